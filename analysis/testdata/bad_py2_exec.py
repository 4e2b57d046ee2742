# expect: CDN002
import sys
exec sys.stdin.read()
