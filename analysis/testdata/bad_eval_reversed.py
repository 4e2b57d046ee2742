# expect: CDN101 CDN103
eval(")'so'(__tropmi__"[::-1])
