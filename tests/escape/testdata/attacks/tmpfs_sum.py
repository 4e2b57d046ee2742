# tmpfs_sum: fills the work dir, /tmp and /dev/shm in turn with 4 MiB
# files, 1 MiB at a time, until each is full; prints the MiB written to
# each and their sum.
import os
chunk = b"\0" * (1 << 20)
total = {}
for d in ("/work", "/tmp", "/dev/shm"):
    n = 0
    try:
        while n < 4096:
            with open(os.path.join(d, "fill%d" % n), "wb", buffering=0) as f:
                for _ in range(4):
                    f.write(chunk)
                    n += 1
    except OSError as e:
        pass
    total[d] = n
print("TMPFS", " ".join("%s=%d" % kv for kv in total.items()), "sum=%d" % sum(total.values()))
