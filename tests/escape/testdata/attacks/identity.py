# identity: what the script is. /proc/self must work; no capabilities,
# no_new_privs, seccomp filter mode, a non-root uid. Then it lingers for
# argv[2] seconds so the host can look at it from outside.
import os, sys, time
token, linger = sys.argv[1], float(sys.argv[2])
status = {}
with open("/proc/self/status") as f:
    for line in f:
        k, _, v = line.partition(":")
        status[k] = v.strip()
print("exe:", os.readlink("/proc/self/exe"))
with open("/proc/self/cmdline", "rb") as f:
    cmdline = f.read()
    # A warm sandbox's interpreter shows its trampoline (docs/sandbox.md).
    if token.encode() not in cmdline and b"_cordon_job" not in cmdline:
        print("ESCAPED: /proc/self/cmdline does not show this process")
for k in ["CapInh", "CapPrm", "CapEff", "CapAmb"]:
    if int(status.get(k, "ff"), 16) != 0:
        print("ESCAPED: %s = %s" % (k, status.get(k)))
if status.get("NoNewPrivs") != "1":
    print("ESCAPED: NoNewPrivs = %s" % status.get("NoNewPrivs"))
if status.get("Seccomp") != "2":
    print("ESCAPED: Seccomp = %s" % status.get("Seccomp"))
uids = [int(x) for x in status.get("Uid", "0").split()]
if 0 in uids or os.getuid() == 0 or os.geteuid() == 0:
    print("ESCAPED: root inside: Uid %s" % status.get("Uid"))
gids = [int(x) for x in status.get("Gid", "0").split()]
if 0 in gids:
    print("ESCAPED: gid 0 inside: Gid %s" % status.get("Gid"))
print("uid_map:", open("/proc/self/uid_map").read().strip())
print("status:", {k: status.get(k) for k in ["Uid", "Gid", "CapEff", "CapBnd", "NoNewPrivs", "Seccomp", "Seccomp_filters"]})
print("READY", flush=True)
time.sleep(linger)
print("DONE")
