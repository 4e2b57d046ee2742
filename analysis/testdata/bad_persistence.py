# expect: CDN506
import os
with open(os.path.expanduser('~/.bashrc'), 'a') as f:
    f.write('python3 /tmp/.x.py &\n')
