# optional_syscalls: memfd_create, io_setup (legacy AIO, whose events
# come from the host-wide fs.aio-max-nr) and shmget (SysV shared memory) —
# off unless the policy allows them. Prints what each gave.
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
try:
    fd = os.memfd_create("probe")
    print("memfd: ok")
except OSError as e:
    print("memfd: refused errno %d" % e.errno)
ctx = ctypes.c_ulong(0)
r = libc.syscall(206, 4096, ctypes.byref(ctx))  # io_setup
print("aio: ok" if r == 0 else "aio: refused errno %d" % ctypes.get_errno())
r = libc.syscall(29, 0, 1 << 20, 0o1600)  # shmget(IPC_PRIVATE, 1 MiB, IPC_CREAT|0600)
print("sysvshm: ok" if r >= 0 else "sysvshm: refused errno %d" % ctypes.get_errno())
print("DONE")
