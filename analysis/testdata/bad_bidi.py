# expect: CDN005
access = 'user'
if access != 'none‮ ⁦# admin⁩ ⁦':
    print('ok')
