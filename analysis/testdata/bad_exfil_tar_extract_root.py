# expect: CDN509:high CDN603:low
import tarfile, urllib.request
urllib.request.urlretrieve("http://example.invalid/x.tgz", "x.tgz")
with tarfile.open("x.tgz") as t:
    for m in t.getmembers():
        t.extract(m, "/")
