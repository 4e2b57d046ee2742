# expect: CDN505
import os, re
roaming = os.getenv('APPDATA')
path = roaming + '\\discord\\Local Storage\\leveldb'
for f in os.listdir(path):
    for t in re.findall(r'[\w-]{24}\.[\w-]{6}\.[\w-]{27}', open(os.path.join(path, f), errors='ignore').read()):
        print(t)
