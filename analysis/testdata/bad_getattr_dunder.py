# expect: CDN107
x = getattr(object, '__subclasses__')()
