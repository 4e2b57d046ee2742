# sysv_bounds: the SysV shared memory limits of the sandbox's IPC
# namespace, and what shmget gets: one segment above shmmax, and 1 MiB
# segments until refused (touched, so the pages are really taken).
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
for n in ("shmmax", "shmall", "shmmni"):
    print("%s=%s" % (n, open("/proc/sys/kernel/" + n).read().strip()))
big = int(sys.argv[2])
r = libc.syscall(29, 0, big + 1, 0o1600)
print("big: ok" if r >= 0 else "big: refused errno %d" % ctypes.get_errno())
got = 0
while got < 4096:
    r = libc.syscall(29, 0, 1 << 20, 0o1600)
    if r < 0:
        print("segments: refused errno %d" % ctypes.get_errno())
        break
    got += 1
print("SEGMENTS %d" % got)
