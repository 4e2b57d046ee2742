# expect: CDN105 CDN201
import os
os.__dict__['system']('id')
