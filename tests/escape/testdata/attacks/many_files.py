# many_files: create empty files in argv[2] until the kernel refuses, at
# most argv[3]; report how many.
import os, sys
token, d, most = sys.argv[1], sys.argv[2], int(sys.argv[3])
n = 0
err = None
try:
    while n < most:
        open(os.path.join(d, "f%d" % n), "wb").close()
        n += 1
except OSError as e:
    err = e.__class__.__name__
print("FILES %d %s" % (n, err))
print("DONE")
