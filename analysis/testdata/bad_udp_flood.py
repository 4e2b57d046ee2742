# expect: CDN207 CDN601
import socket, random
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
payload = random.randbytes(1024)
while True:
    s.sendto(payload, ('10.0.0.5', 80))
