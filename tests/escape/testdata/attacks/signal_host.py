# signal_host: send SIGKILL to a marker process the test started on the
# host, by its host pid (the test checks that the marker survives), and to
# every pid that is not part of this run.
import os, signal, sys
token, marker_pid = sys.argv[1], int(sys.argv[2])
try:
    os.kill(marker_pid, signal.SIGKILL)
    # Inside a pid namespace the host pid may name nothing or one of our
    # own processes; the host checks the marker itself.
    print("SENT: kill(%d) succeeded inside" % marker_pid)
except OSError as e:
    print("BLOCKED: kill(%d): %s" % (marker_pid, e.__class__.__name__))
try:
    os.kill(marker_pid, 0)
    print("SEEN: pid %d exists inside" % marker_pid)
except OSError as e:
    print("BLOCKED: kill(%d, 0): %s" % (marker_pid, e.__class__.__name__))
print("DONE")
