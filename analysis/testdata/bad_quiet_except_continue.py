# expect: CDN706:low
for path in ["a", "b"]:
    try:
        open(path).read()
    except Exception as err:
        continue
