# expect: CDN003
import os
x = 'ÿþ'
