# expect: CDN302
import marshal
marshal.loads(open('c', 'rb').read())
