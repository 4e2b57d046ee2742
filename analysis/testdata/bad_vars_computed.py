# expect: CDN105
import os, sys
vars(os)[sys.argv[1]]('id')
