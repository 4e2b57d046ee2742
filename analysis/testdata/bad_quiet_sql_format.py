# expect: CDN701:medium
def lookup(cur, table, key):
    stmt = "SELECT value FROM {} WHERE key = '{}'".format(table, key)
    cur.execute(stmt)
    return cur.fetchone()
