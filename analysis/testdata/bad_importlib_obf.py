# expect: CDN103 CDN201
import importlib
m = importlib.import_module(''.join(['o', 's']))
m.system('id')
