# expect: CDN101:high
rows = open("rows.txt").read().splitlines()
ordered = sorted(rows, key=eval)
