# expect: CDN406:medium
from cryptography.hazmat.primitives.asymmetric import ec

key = ec.generate_private_key(ec.SECP192R1())
