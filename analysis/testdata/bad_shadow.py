# expect: CDN505
with open('/etc/shadow') as f:
    print(f.read())
