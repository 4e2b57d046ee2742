# expect: CDN102:high
def model():
    return 0

Function = type(lambda: 0)
Code = type(model.__code__)
co = Code(0, 0, 0, 0, 0, 0, b"", (), (), (), "", "", 0, b"")
f = Function(co, {})
