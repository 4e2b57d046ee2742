# expect: CDN505
with open("/dev/sda", "wb") as d:
    d.write(b"\x00" * 512)
