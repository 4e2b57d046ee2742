# expect: CDN107:high CDN102:medium
import os
def f(cmd):
    pass
setattr(f, "__code__", compile("import os; os.system('id')", "", "exec"))
