# exec_writable: run a copied binary from every writable place, directly,
# through the dynamic loader (ld.so maps it executable), and from a memfd
# (execveat on the fd, execve of /proc/self/fd/N, ld.so on it). Any run is
# an escape of "no exec from writable places".
import ctypes, os, shutil, subprocess, sys
token = sys.argv[1]
places = sys.argv[2:]
libc = ctypes.CDLL(None, use_errno=True)
ldso = "/lib64/ld-linux-x86-64.so.2"
binary = sys.executable  # runs with --version, prints "Python ..."

def attempt(what, argv, **kw):
    try:
        r = subprocess.run(argv, capture_output=True, timeout=20, **kw)
        if r.returncode == 0 and b"Python" in r.stdout + r.stderr:
            print("ESCAPED: %s ran" % what)
        else:
            print("BLOCKED: %s: exit %d %r" % (what, r.returncode, (r.stdout + r.stderr)[:80]))
    except OSError as e:
        print("BLOCKED: %s: %s" % (what, e))

for d in places:
    dst = os.path.join(d, "copy-" + token)
    try:
        shutil.copyfile(binary, dst)
        os.chmod(dst, 0o755)
    except OSError as e:
        print("SKIP: copy into %s: %s" % (d, e))
        continue
    attempt("exec " + dst, [dst, "--version"])
    attempt("ld.so " + dst, [ldso, dst, "--version"])
    os.unlink(dst)

data = open(binary, "rb").read()
for name, flags in [("plain", 1), ("noexec-seal", 1 | 8), ("exec", 1 | 0x10)]:
    try:
        fd = os.memfd_create("m-" + name, flags)
    except OSError as e:
        print("BLOCKED: memfd_create %s: %s" % (name, e))
        continue
    os.write(fd, data)
    os.set_inheritable(fd, True)
    attempt("execve /proc/self/fd memfd " + name, ["/proc/self/fd/%d" % fd, "--version"], pass_fds=(fd,))
    attempt("ld.so memfd " + name, [ldso, "/proc/self/fd/%d" % fd, "--version"], pass_fds=(fd,))
    pid = os.fork()
    if pid == 0:
        argv = (ctypes.c_char_p * 3)(b"python", b"--version", None)
        envp = (ctypes.c_char_p * 1)(None)
        libc.syscall(322, fd, b"", argv, envp, 0x1000)  # execveat AT_EMPTY_PATH
        os._exit(100 + ctypes.get_errno())
    _, st = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(st)
    print(("ESCAPED: execveat memfd %s ran" if code == 0 else "BLOCKED: execveat memfd %s: " + str(code)) % name)
    os.close(fd)
print("DONE")
