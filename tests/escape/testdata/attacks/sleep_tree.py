# sleep_tree: outlive the wall clock with a child, a grandchild and a
# double-forked daemon in a session of its own, all carrying the token.
import os, subprocess, sys, time
token = sys.argv[1]
code = "import time,sys; time.sleep(600)"
child = subprocess.Popen([sys.executable, "-c",
    "import subprocess,sys,time; subprocess.Popen([sys.executable,'-c',%r,%r]); time.sleep(600)" % (code, token + "-grandchild"),
    token + "-child"])
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", code, token + "-daemon"])
    os._exit(0)
os.wait()
print("STARTED", flush=True)
time.sleep(600)
print("ESCAPED: outlived the wall clock")
