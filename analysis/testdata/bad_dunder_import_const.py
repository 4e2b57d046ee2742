# expect: CDN103 CDN201
__import__('os').system('id')
