# expect: CDN509:high
import tarfile

tarfile.open("update.tgz").extractall("/", filter="fully_trusted")
