# expect: CDN107
classes = ().__class__.__bases__[0].__subclasses__()
for c in classes:
    print(c)
