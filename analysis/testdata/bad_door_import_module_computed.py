# expect: CDN103:high
import importlib
import sys

mod = importlib.import_module(sys.argv[1])
mod.main()
