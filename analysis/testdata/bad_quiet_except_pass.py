# expect: CDN706:low
import json

try:
    cfg = json.load(open("cfg.json"))
except:
    pass
