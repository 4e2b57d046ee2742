# expect: CDN103:high
import runpy

runpy.run_path("stage2.py", run_name="__main__")
