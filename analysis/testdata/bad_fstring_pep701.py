# expect: CDN201
import os
print(f"user: {os.popen("id").read()}")
