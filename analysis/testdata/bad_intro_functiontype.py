# expect: CDN102:high
import types

code = compile(open("stage2.txt").read(), "x", "exec")
fn = types.FunctionType(code, globals())
