# expect: CDN504
import os, stat
os.chmod('/srv/app/run.sh', 0o777)
os.chmod('f', stat.S_IRWXU | stat.S_IWOTH)
