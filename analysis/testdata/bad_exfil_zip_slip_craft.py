# expect: CDN509:high
import zipfile

with zipfile.ZipFile("innocent.zip", "w") as zf:
    zf.writestr("docs/readme.txt", "hello")
    zf.writestr("../../../../home/user/.local/bin/python3", "#!/bin/sh\n")
