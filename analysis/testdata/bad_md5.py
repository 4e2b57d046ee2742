# expect: CDN401
import hashlib
h = hashlib.md5(b'pw').hexdigest()
hashlib.new('sha1')
hashlib.md5(b'x', usedforsecurity=False)
