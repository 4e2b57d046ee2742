# host_paths: the cordon binary's host path and the invoker's cwd must not
# be reachable, nor named by any process visible inside.
import os, sys
token, binpath, cwd = sys.argv[1], sys.argv[2], sys.argv[3]
for p in [binpath, os.path.dirname(binpath), cwd]:
    if os.path.exists(p):
        print("ESCAPED: host path %s exists inside" % p)
if os.getcwd() == cwd:
    print("ESCAPED: cwd inside is the invoker's cwd")
for n in os.listdir("/proc"):
    if not n.isdigit():
        continue
    for link in ["exe", "cwd", "root"]:
        try:
            t = os.readlink("/proc/%s/%s" % (n, link))
        except OSError:
            continue
        if t.startswith(cwd) or t.startswith(os.path.dirname(binpath)):
            print("ESCAPED: /proc/%s/%s names host path %s" % (n, link, t))
    try:
        with open("/proc/%s/exe" % n, "rb") as f:
            head = f.read(4)
        if n != str(os.getpid()):
            print("SEEN: /proc/%s/exe is readable (%r)" % (n, head))
    except OSError:
        pass
print("DONE")
