# expect: CDN403 CDN603
import requests
requests.get('https://example.com', verify=False)
