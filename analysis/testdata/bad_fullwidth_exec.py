# expect: CDN004 CDN101
import sys
ｅｘｅｃ(sys.stdin.read())
