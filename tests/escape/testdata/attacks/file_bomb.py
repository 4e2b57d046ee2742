# file_bomb: write argv[2] MiB into one file in the work dir, above the
# policy's file size limit.
import sys
token, mib = sys.argv[1], int(sys.argv[2])
chunk = b"x" * (64 << 10)
with open("bomb-" + token, "wb") as f:
    for i in range(mib * 16):
        f.write(chunk)
        f.flush()
print("ESCAPED: wrote %d MiB" % mib)
print("DONE")
