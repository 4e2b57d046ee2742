# expect: CDN107:high CDN101:high CDN105:high
try:
    1/0
except Exception as e:
    g = e.__traceback__.tb_frame.f_globals
    g["__builtins__"]["eval"](input())
