# expect: CDN607 CDN603
import requests
requests.post('https://discord.com/api/webhooks/123/abc', data={'c': 'x'})
