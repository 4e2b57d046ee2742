# expect: CDN503
import tempfile
name = tempfile.mktemp()
open('/tmp/cache.txt', 'w').write('x')
