# forge_status: try to make Cordon report a limit the script never reached.
# argv[2] picks the forgery; argv[3] is the policy's file_size in bytes.
import ctypes, os, signal, sys, time
token, how = sys.argv[1], sys.argv[2]
libc = ctypes.CDLL(None, use_errno=True)
SIGXFSZ, SIGXCPU = int(signal.SIGXFSZ), int(signal.SIGXCPU)

def try_call(what, fn):
    try:
        fn()
        print("SENT: %s" % what)
    except OSError as e:
        print("REFUSED: %s: %s" % (what, e))
    sys.stdout.flush()

if how == "sigxcpu":
    time.sleep(0.04)
    os.kill(os.getpid(), SIGXCPU)
elif how == "exact-file":
    with open("exact-" + token, "wb") as f:
        f.write(b"x" * int(sys.argv[3]))
    sys.exit(1)
elif how == "sigxfsz":
    with open("exact-" + token, "wb") as f:
        f.write(b"x" * int(sys.argv[3]))
    try_call("kill", lambda: os.kill(os.getpid(), SIGXFSZ))
    try_call("raise", lambda: signal.raise_signal(SIGXFSZ))
    try_call("pthread_kill", lambda: signal.pthread_kill(signal.pthread_self(), SIGXFSZ))
    try_call("sigqueue", lambda: os.kill(0, SIGXFSZ))
    # A child whose exit signal is SIGXFSZ: clone(SIGXFSZ, 0) forks.
    pid = libc.syscall(56, SIGXFSZ, 0, 0, 0, 0)
    if pid == 0:
        os._exit(0)
    print("CLONE: %d errno %d" % (pid, ctypes.get_errno()))
    sys.stdout.flush()
    time.sleep(0.2)
    sys.exit(1)
elif how == "timer":
    # timer_create(CLOCK_MONOTONIC, {SIGEV_SIGNAL, SIGXFSZ}) then arm it.
    class Sigevent(ctypes.Structure):
        _fields_ = [("value", ctypes.c_void_p), ("signo", ctypes.c_int),
                    ("notify", ctypes.c_int), ("pad", ctypes.c_byte * 48)]
    ev = Sigevent(None, SIGXFSZ, 0)
    tid = ctypes.c_int(0)
    r = libc.syscall(222, 1, ctypes.byref(ev), ctypes.byref(tid))
    print("TIMER: %d errno %d" % (r, ctypes.get_errno()))
    sys.stdout.flush()
    if r == 0:
        spec = (ctypes.c_long * 4)(0, 0, 0, 10_000_000)
        libc.syscall(223, tid.value, 0, ctypes.byref(spec), None)
        time.sleep(0.5)
    sys.exit(1)
elif how == "own-fsize":
    # A file-size limit of the script's own, lower than the policy's, then
    # a write past it: the kernel's SIGXFSZ would claim limits.file_size.
    import resource
    try_call("setrlimit", lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024)))
    r = libc.syscall(160, resource.RLIMIT_FSIZE, ctypes.byref((ctypes.c_ulong * 2)(1024, 1024)))
    print("SETRLIMIT: %d errno %d" % (r, ctypes.get_errno()))
    sys.stdout.flush()
    with open("small-" + token, "wb") as f:
        f.write(b"x" * 4096)
    sys.exit(1)
print("DONE")
