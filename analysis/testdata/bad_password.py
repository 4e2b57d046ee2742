# expect: CDN501
password = 'hunter22'
db_password = 'Sup3rS3cret!'
