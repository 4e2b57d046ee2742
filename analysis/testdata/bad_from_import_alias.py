# expect: CDN201
from os import system as s
s('uname -a')
