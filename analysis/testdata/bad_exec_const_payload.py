# expect: CDN108 CDN201
exec("import os; os.system('id')")
