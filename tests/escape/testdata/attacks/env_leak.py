# env_leak: look for a host environment variable the test gave cordon, in
# this process and in every process visible.
import os, sys
token = sys.argv[1]
secret = token + "-host-secret"
for k, v in os.environ.items():
    if secret in v or k == "CORDON_ESCAPE_SECRET":
        print("ESCAPED: host variable %s visible" % k)
for n in os.listdir("/proc"):
    if not n.isdigit():
        continue
    try:
        with open("/proc/%s/environ" % n, "rb") as f:
            if secret.encode() in f.read():
                print("ESCAPED: host variable in /proc/%s/environ" % n)
    except OSError:
        pass
print("env:", sorted(os.environ))
print("DONE")
