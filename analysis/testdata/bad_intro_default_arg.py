# expect: CDN201:high CDN103:medium
def setup(marker=__import__("os").system("id")):
    return marker
