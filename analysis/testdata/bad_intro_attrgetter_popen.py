# expect: CDN104:high CDN202:high
from operator import attrgetter as ag
import subprocess
ag("Popen")(subprocess)(input(), shell=True)
