# memory_bomb: allocate and touch memory 1 MiB at a time, up to a bound
# (argv[2] MiB) far above the policy's limit.
import sys
token, max_mib = sys.argv[1], int(sys.argv[2])
hoard = []
for i in range(max_mib):
    b = bytearray(1 << 20)
    for j in range(0, len(b), 4096):
        b[j] = 1
    hoard.append(b)
print("ESCAPED: allocated %d MiB" % max_mib)
print("DONE")
