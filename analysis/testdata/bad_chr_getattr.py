# expect: CDN104 CDN201
import os
getattr(os, ''.join(map(chr, [115, 121, 115, 116, 101, 109])))('id')
