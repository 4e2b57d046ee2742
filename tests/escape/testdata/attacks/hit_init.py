# hit_init: try to crash or starve the sandbox's init (pid 1), which shares
# the script's uid: lower its rlimits, its priority, pin it to no CPU. Then
# make the init work (start children it must reap, and threads) and exit 0.
# The run must end ok, never internal-error.
import ctypes, os, sys, threading
token = sys.argv[1]
libc = ctypes.CDLL(None, use_errno=True)

class Rlimit(ctypes.Structure):
    _fields_ = [("cur", ctypes.c_ulong), ("max", ctypes.c_ulong)]

def report(what, r):
    e = ctypes.get_errno()
    print("%s: %s" % (what, "ESCAPED: done on the init" if r == 0 else "refused errno %d" % e))

RLIMIT_AS, RLIMIT_NPROC, RLIMIT_NOFILE = 9, 6, 7
for res, val in [(RLIMIT_AS, 1 << 20), (RLIMIT_NPROC, 0), (RLIMIT_NOFILE, 3)]:
    lim = Rlimit(val, val)
    report("prlimit64 init %d" % res, libc.prlimit64(1, res, ctypes.byref(lim), None))
report("setpriority init", libc.setpriority(0, 1, 19))
report("setpriority user", libc.setpriority(2, 0, 19))
mask = ctypes.c_ulong(0)
report("sched_setaffinity init", libc.sched_setaffinity(1, ctypes.sizeof(mask), ctypes.byref(mask)))
sys.stdout.flush()
# Orphans the init must reap, and threads.
for i in range(5):
    if os.fork() == 0:
        if os.fork() == 0:
            os._exit(0)
        os._exit(0)
    os.wait()
ts = [threading.Thread(target=lambda: sum(range(10000))) for _ in range(8)]
[t.start() for t in ts]
[t.join() for t in ts]
print("DONE")
