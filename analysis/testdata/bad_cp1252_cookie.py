# -*- coding: cp1252 -*-
# expect: CDN201
import os
q = '“quoted”'
os.popen('id')
