# expect: CDN605
import telnetlib
t = telnetlib.Telnet('host.example')
