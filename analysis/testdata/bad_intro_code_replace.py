# expect: CDN102:high
def f():
    return "safe"

patched = f.__code__.replace(co_consts=(None, "pwned"))
