# write_outside: create files outside the work dir: in a canary dir the test
# owns, in /etc, in /usr and in host-looking temp dirs. The host checks that
# none appeared; here any successful create in the canary, /etc or /usr is
# reported.
import os, sys
token, canary = sys.argv[1], sys.argv[2]
for d in [canary, "/etc", "/usr", "/usr/lib", "/", "/proc/1/root" + canary]:
    p = os.path.join(d, "escape-" + token)
    try:
        with open(p, "w") as f:
            f.write("escaped\n")
        print("ESCAPED: wrote %s" % p)
        try:
            os.unlink(p)
        except OSError:
            pass
    except OSError as e:
        print("BLOCKED: write %s: %s" % (p, e.__class__.__name__))
# Work dir and /tmp must stay writable: proves the script really ran.
with open("work-" + token, "w") as f:
    f.write("ok")
with open("/tmp/tmp-" + token, "w") as f:
    f.write("ok")
print("DONE")
