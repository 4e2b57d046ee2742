# syscall: call one dangerous syscall through ctypes' syscall(). A result
# >= 0 is an escape; a refusal must come from the filter (EPERM or ENOSYS)
# or kill the process; any other errno means the call reached the kernel.
import ctypes, errno, os, sys
token, name = sys.argv[1], sys.argv[2]
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
buf = ctypes.create_string_buffer(256)
P = ctypes.c_void_p
L = ctypes.c_long
CLONE_NEWUSER, CLONE_NEWNS, SIGCHLD = 0x10000000, 0x00020000, 17
workdir = os.getcwd().encode()
# Aimed inside the work dir, so even a mount that got through lands on a
# directory of the run, never on a host path.
target = workdir + b"/mnt-" + token.encode()
try:
    os.mkdir(target)
except OSError:
    pass
# x86_64 numbers.
calls = {
    "ptrace-traceme": (101, [L(0), L(0), L(0), L(0)]),
    "ptrace-attach": (101, [L(16), L(os.getppid()), L(0), L(0)]),
    "mount": (165, [ctypes.c_char_p(b"none"), ctypes.c_char_p(target), ctypes.c_char_p(b"tmpfs"), L(0), L(0)]),
    "umount": (166, [ctypes.c_char_p(workdir), L(2)]),  # MNT_DETACH
    "pivot_root": (155, [ctypes.c_char_p(workdir), ctypes.c_char_p(target)]),
    "unshare-user": (272, [L(CLONE_NEWUSER)]),
    "unshare-mount": (272, [L(CLONE_NEWNS)]),
    "clone-newuser": (56, [L(CLONE_NEWUSER | SIGCHLD), L(0), L(0), L(0), L(0)]),
    "setns": (308, [L(os.open("/proc/self/ns/net", os.O_RDONLY) if os.path.exists("/proc/self/ns/net") else -1), L(0)]),
    "keyctl": (250, [L(0), L(-3), L(1)]),  # KEYCTL_GET_KEYRING_ID, session, create
    "add_key": (248, [ctypes.c_char_p(b"user"), ctypes.c_char_p(token.encode()), buf, L(4), L(-3)]),
    "bpf": (321, [L(0), buf, L(72)]),  # BPF_MAP_CREATE
    "io_uring_setup": (425, [L(4), buf]),
    "perf_event_open": (298, [buf, L(0), L(-1), L(-1), L(0)]),
    "userfaultfd": (323, [L(0)]),
    "process_vm_readv": (310, [L(os.getppid()), buf, L(1), buf, L(1), L(0)]),
    "open_by_handle_at": (304, [L(-100), buf, L(0)]),
}
if name == "perf_event_open":
    ctypes.memset(buf, 0, 256)
    buf[4:8] = (112).to_bytes(4, "little")  # attr.size
nr, args = calls[name]
if name == "bpf":
    ctypes.memset(buf, 0, 256)
    buf[0:4] = (2).to_bytes(4, "little")   # BPF_MAP_TYPE_ARRAY
    buf[4:8] = (4).to_bytes(4, "little")   # key_size
    buf[8:12] = (4).to_bytes(4, "little")  # value_size
    buf[12:16] = (1).to_bytes(4, "little") # max_entries
r = libc.syscall(L(nr), *args)
e = ctypes.get_errno()
if r == 0 and name == "clone-newuser":
    os._exit(0)
if r >= 0:
    print("ESCAPED: %s returned %d" % (name, r))
elif e in (errno.EPERM, errno.ENOSYS):
    print("REFUSED: %s: %s" % (name, errno.errorcode.get(e, e)))
else:
    print("REACHED-KERNEL: %s failed with %s, not refused by the filter" % (name, errno.errorcode.get(e, e)))
print("DONE")
