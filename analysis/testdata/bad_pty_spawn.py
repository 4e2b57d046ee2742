# expect: CDN205
import pty
pty.spawn('/bin/bash')
