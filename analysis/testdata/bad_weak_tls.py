# expect: CDN405
import ssl
ctx = ssl.SSLContext(ssl.PROTOCOL_TLSv1)
from Crypto.Cipher import DES
DES.new(b'8bytekey', DES.MODE_ECB)
