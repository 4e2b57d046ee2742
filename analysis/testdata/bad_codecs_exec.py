# expect: CDN106
import codecs
payload = open('x').read()
eval(codecs.decode(payload, 'rot13'))
