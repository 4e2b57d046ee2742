# expect: CDN201:high
import os

pattern, path = input(), input()
out = os.popen("grep {} {}".format(pattern, path)).read()
