# fork_bounded: the proof that the pids limit holds, before any fork bomb:
# try to start at most N sleeping children and report how many started.
# Bounded by construction; each child exits by itself within seconds.
import os, sys, time
token, n = sys.argv[1], int(sys.argv[2])
kids = []
err = None
for i in range(n):
    try:
        pid = os.fork()
    except OSError as e:
        err = e
        break
    if pid == 0:
        time.sleep(3)
        os._exit(0)
    kids.append(pid)
print("FORKED %d of %d (%s)" % (len(kids), n, err.__class__.__name__ if err else "no error"))
sys.stdout.flush()
for pid in kids:
    try:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    except OSError:
        pass
print("DONE")
