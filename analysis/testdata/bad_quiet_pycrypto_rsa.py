# expect: CDN406:medium
from Crypto.PublicKey import RSA

BITS = 1024
key = RSA.generate(BITS)
