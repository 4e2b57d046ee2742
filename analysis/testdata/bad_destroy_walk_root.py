# expect: CDN507:high
import os
for root, dirs, files in os.walk("/"):
    for f in files:
        os.unlink(os.path.join(root, f))
