# expect: CDN104 CDN201
import os
g = getattr(os, 'sys' + 'tem')
g('id')
