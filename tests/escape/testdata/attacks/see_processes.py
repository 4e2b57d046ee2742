# see_processes: list /proc and look for a marker process the test started
# on the host (its argv carries a unique token), and for any process that is
# not part of this run.
import os, sys
token, marker_pid, marker = sys.argv[1], int(sys.argv[2]), sys.argv[3]
pids = [int(n) for n in os.listdir("/proc") if n.isdigit()]
print("pids:", sorted(pids)[:50])
foreign = 0
for pid in pids:
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        continue
    if token in cmd or pid == os.getpid():
        continue  # this run's own processes (their argv names the marker)
    if marker in cmd:
        print("ESCAPED: host marker visible as pid %d: %s" % (pid, cmd))
    elif cmd and "cordon" not in cmd:
        foreign += 1
        if foreign <= 3:
            print("ESCAPED: foreign process pid %d: %s" % (pid, cmd[:200]))
if os.path.exists("/proc/%d" % marker_pid):
    try:
        with open("/proc/%d/cmdline" % marker_pid, "rb") as f:
            cmd = f.read()
        if marker.encode() in cmd:
            print("ESCAPED: host pid %d is the marker" % marker_pid)
    except OSError:
        pass
if len(pids) > 10:
    print("ESCAPED: %d processes visible" % len(pids))
print("DONE")
