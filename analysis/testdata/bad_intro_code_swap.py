# expect: CDN107:high CDN102:medium
def harmless():
    return 1

src = open("stage2.txt").read()
harmless.__code__ = compile(src, "<s>", "exec")
harmless()
