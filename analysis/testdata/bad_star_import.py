# expect: CDN202
from subprocess import *
Popen('ls | wc', shell=True)
