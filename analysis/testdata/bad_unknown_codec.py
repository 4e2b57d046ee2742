# expect: CDN003
# -*- coding: rot13 -*-
vzcbeg bf
