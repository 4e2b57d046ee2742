# expect: CDN509:medium
import os
import zipfile

dest = "out"
with zipfile.ZipFile("in.zip") as zf:
    for name in zf.namelist():
        with open(os.path.join(dest, name), "wb") as fh:
            fh.write(zf.read(name))
