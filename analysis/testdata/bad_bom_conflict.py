# -*- coding: latin-1 -*-
# expect: CDN003
