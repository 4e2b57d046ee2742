# expect: CDN103:high
a, b = "o", "s"
m = __import__(f"{a}{b}")
