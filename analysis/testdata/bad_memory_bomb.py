# expect: CDN207
data = 'A' * (10 ** 10)
print(len(data))
