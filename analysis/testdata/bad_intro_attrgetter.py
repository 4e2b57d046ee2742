# expect: CDN104:high CDN201:high
import operator
import os

fetch = operator.attrgetter("system")
fetch(os)("id")
