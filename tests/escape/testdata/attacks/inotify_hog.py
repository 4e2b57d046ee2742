# inotify_hog: take every inotify instance the kernel gives, report how
# many, hold them for argv[2] seconds.
import ctypes, sys, time
token, hold = sys.argv[1], float(sys.argv[2])
libc = ctypes.CDLL(None, use_errno=True)
fds = []
while len(fds) < 100000:
    fd = libc.inotify_init1(0)
    if fd < 0:
        break
    fds.append(fd)
print("HELD %d" % len(fds), flush=True)
time.sleep(hold)
print("DONE")
