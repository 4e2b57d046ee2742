# read_secrets: read /etc/shadow, the invoker's 0600 canary in its home,
# and list the homes. Any content seen is an escape.
import os, sys
token, secret, home = sys.argv[1], sys.argv[2], sys.argv[3]

def try_read(path):
    try:
        with open(path, "rb") as f:
            data = f.read(4096)
        print("ESCAPED: read %s (%d bytes)" % (path, len(data)))
    except OSError as e:
        print("BLOCKED: read %s: %s" % (path, e.__class__.__name__))

for p in ["/etc/shadow", "/etc/gshadow", secret, os.path.join(home, ".bash_history")]:
    try_read(p)

for d in [home, os.path.dirname(home), "/root", "/home"]:
    try:
        names = os.listdir(d)
        if any(n.startswith("secret-") for n in names) or (d == "/root" and names):
            print("ESCAPED: listed %s: %s" % (d, names[:10]))
        else:
            print("BLOCKED: list %s: %d entries, no secret" % (d, len(names)))
    except OSError as e:
        print("BLOCKED: list %s: %s" % (d, e.__class__.__name__))
# The same through /proc: the supervisor's root and cwd.
for p in ["/proc/1/root" + secret, "/proc/1/cwd/../../" + os.path.basename(secret)]:
    try_read(p)
print("DONE")
