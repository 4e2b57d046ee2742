# expect: CDN802
from cffi import FFI
ffi = FFI()
ffi.cdef('int system(const char *);')
C = ffi.dlopen(None)
