# expect: CDN103:high
from runpy import run_module as launch

launch("http.server", run_name="__main__", alter_sys=True)
