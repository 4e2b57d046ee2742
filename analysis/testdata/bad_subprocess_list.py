# expect: CDN205
import subprocess
subprocess.call(['/bin/bash', '-c', 'id'])
