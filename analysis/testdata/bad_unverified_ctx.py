# expect: CDN404
import ssl, urllib.request
ctx = ssl._create_unverified_context()
ctx2 = ssl.create_default_context()
ctx2.check_hostname = False
ctx2.verify_mode = ssl.CERT_NONE
