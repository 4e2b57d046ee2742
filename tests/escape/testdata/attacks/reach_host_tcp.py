# reach_host_tcp: connect to a TCP service the test listens on at the
# host's 127.0.0.1, and to an abstract unix socket it listens on. Loopback
# only: nothing here sends a packet to any other address.
import socket, sys
token, port, abstract = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.settimeout(3)
try:
    s.connect(("127.0.0.1", port))
    s.sendall(b"ESCAPED " + token.encode())
    print("ESCAPED: connected to host 127.0.0.1:%d" % port)
except OSError as e:
    print("BLOCKED: connect 127.0.0.1:%d: %s" % (port, e.__class__.__name__))
finally:
    s.close()
u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
u.settimeout(3)
try:
    u.connect("\0" + abstract)
    u.sendall(b"ESCAPED " + token.encode())
    print("ESCAPED: connected to host abstract socket @%s" % abstract)
except OSError as e:
    print("BLOCKED: connect @%s: %s" % (abstract, e.__class__.__name__))
finally:
    u.close()
print("DONE")
