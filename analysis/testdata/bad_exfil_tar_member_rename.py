# expect: CDN509:high
import io
import tarfile

with tarfile.open("evil.tar", "w") as tf:
    info = tarfile.TarInfo("../../../../usr/local/bin/pip")
    data = b"payload"
    info.size = len(data)
    tf.addfile(info, io.BytesIO(data))
