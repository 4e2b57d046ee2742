# expect: CDN107
def f():
    pass
b = f.__globals__['__builtins__']
