# flood: write argv[3] MiB to stdout or stderr (argv[2]) as fast as possible.
import os, sys
token, stream, mib = sys.argv[1], sys.argv[2], int(sys.argv[3])
fd = 1 if stream == "stdout" else 2
chunk = (b"x" * 1023 + b"\n") * 1024
for i in range(mib):
    try:
        os.write(fd, chunk)
    except OSError:
        break
