# expect: CDN201
# -*- coding: latin-1 -*-
import os
s = 'été'
os.system('id')
