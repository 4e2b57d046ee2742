# expect: CDN104:high CDN105:medium CDN101:high
import builtins
from operator import itemgetter

table = vars(builtins)
ev = itemgetter("eval")(table)
ev(input())
