# expect: CDN406:high
from cryptography.hazmat.primitives.asymmetric import dsa

key = dsa.generate_private_key(512)
