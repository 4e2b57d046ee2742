# expect: CDN208 CDN201
import os
os.system('schtasks /create /sc onlogon /tn upd /tr C:\\Users\\Public\\u.exe')
