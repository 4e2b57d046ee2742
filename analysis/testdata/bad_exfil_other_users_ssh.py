# expect: CDN505:high
import os
users = os.listdir("/home")
for u in users:
    p = os.path.join("/home", u, ".ssh", "id_rsa")
    print(open(p).read())
