# expect: CDN201
import os
if (run := os.system):
    run('id')
