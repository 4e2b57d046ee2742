# expect: CDN508
NOTE = 'All your files have been encrypted. Send 0.1 BTC to decrypt them.'
print(NOTE)
