# expect: CDN509:medium
import tarfile

with tarfile.open("download.tar.gz") as tf:
    tf.extractall("unpacked")
