# find_interfaces: look for any network interface but lo and for any route,
# without sending a single packet.
import os, socket, sys
token = sys.argv[1]
names = set()
try:
    with open("/proc/net/dev") as f:
        for line in f.readlines()[2:]:
            names.add(line.split(":")[0].strip())
except OSError as e:
    print("BLOCKED: /proc/net/dev: %s" % e.__class__.__name__)
try:
    names.update(os.listdir("/sys/class/net"))
except OSError as e:
    print("BLOCKED: /sys/class/net: %s" % e.__class__.__name__)
try:
    names.update(n for _, n in socket.if_nameindex())
except OSError as e:
    print("BLOCKED: if_nameindex: %s" % e.__class__.__name__)
print("interfaces:", sorted(names))
for n in sorted(names - {"lo"}):
    print("ESCAPED: interface %s" % n)
try:
    with open("/proc/net/route") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if fields:
                print("ESCAPED: ipv4 route %s" % " ".join(fields[:4]))
except OSError as e:
    print("BLOCKED: /proc/net/route: %s" % e.__class__.__name__)
try:
    with open("/proc/net/ipv6_route") as f:
        for line in f:
            fields = line.split()
            if len(fields) < 10:
                continue
            dest, plen, dev = fields[0], fields[1], fields[9]
            # RTF_REJECT (0x0200): the kernel's unreachable route on lo that
            # every network namespace has; it leads nowhere.
            if dev == "lo" and int(fields[8], 16) & 0x0200:
                continue
            if dev != "lo" or (dest == "0" * 32 and plen == "00"):
                print("ESCAPED: ipv6 route %s/%s dev %s" % (dest, plen, dev))
except OSError as e:
    print("BLOCKED: /proc/net/ipv6_route: %s" % e.__class__.__name__)
print("DONE")
