# expect: CDN505
data = open('/proc/1/environ', 'rb').read()
