# expect: CDN209
import os
os.setuid(0)
os.chroot('/')
