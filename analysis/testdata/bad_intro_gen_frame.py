# expect: CDN107:high CDN105:high CDN101:high
def gen():
    yield 1

g = gen()
fr = g.gi_frame.f_back
glob = fr.f_globals
glob["__builtins__"].eval(input())
