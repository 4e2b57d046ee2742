# expect: CDN501:low
def connect(host, user="admin", password="Tr0ub4dor&3"):
    return (host, user, password)
