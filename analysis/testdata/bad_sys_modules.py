# expect: CDN201
import sys
sys.modules['os'].system('id')
