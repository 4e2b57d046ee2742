# deny: every path after the token is one a policy denies; the script tries
# to read, list, append to, create inside and rename each. Any success is
# an escape. Paths prefixed "ok:" are allowed ones that must work (proof
# that the binds around the denied paths are really there).
import os, sys
token = sys.argv[1]

def attempt(what, path, fn):
    try:
        got = fn()
        print("ESCAPED: %s %s: %r" % (what, path, got))
    except OSError as e:
        print("BLOCKED: %s %s: %s" % (what, path, e.__class__.__name__))

def read(path):
    with open(path, "rb") as f:
        data = f.read(4096)
    if not data and not os.path.isdir(path):
        # An empty read still reveals nothing; count it as held.
        raise PermissionError("empty")
    return data[:40]

def append(path):
    with open(path, "ab") as f:
        f.write(b"APPENDED-" + token.encode() + b"\n")
    return "appended"

def listdir(path):
    names = os.listdir(path)
    if not names:
        raise PermissionError("empty")
    return names[:5]

def create(path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "xb") as f:
        f.write(b"x")
    return "created"

for arg in sys.argv[2:]:
    if arg.startswith("ok:"):
        p = arg[3:]
        try:
            if os.path.isdir(p):
                os.listdir(p)
            else:
                open(p, "rb").read(1)
            print("OK: %s" % p)
        except OSError as e:
            print("BROKEN: allowed %s: %s" % (p, e))
        continue
    if arg.startswith("new:"):
        p = arg[4:]
        attempt("create", p, lambda: create(p))
        continue
    attempt("read", arg, lambda: read(arg))
    attempt("list", arg, lambda: listdir(arg))
    attempt("append", arg, lambda: append(arg))
    attempt("read-inside", arg, lambda: read(os.path.join(arg, "secret")))
print("DONE")
