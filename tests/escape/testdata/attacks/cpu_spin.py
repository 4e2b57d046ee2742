# cpu_spin: spin on the CPU forever in argv[2] processes (the CPU limit is
# for the whole tree, so splitting the spin must not multiply it).
import os, sys
token, procs = sys.argv[1], int(sys.argv[2])
for _ in range(procs - 1):
    if os.fork() == 0:
        break
x = 0
while True:
    x += 1
