# expect: CDN509:high CDN506:high
import tarfile

with tarfile.open("src.tar") as src, tarfile.open("out.tar", "w") as out:
    for m in src.getmembers():
        data = src.extractfile(m)
        m.name = "../../../../etc/profile.d/z.sh"
        out.addfile(m, data)
