# tmp_check: look for the files an earlier run left in /tmp and /dev/shm
# (argv[2] is that run's token).
import os, sys
token, earlier = sys.argv[1], sys.argv[2]
for d in ["/tmp", "/dev/shm"]:
    p = "%s/leftover-%s" % (d, earlier)
    if os.path.exists(p):
        print("ESCAPED: %s survived from an earlier run" % p)
    else:
        print("BLOCKED: %s not there" % p)
print("DONE")
