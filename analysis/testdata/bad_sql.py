# expect: CDN701
import sqlite3, sys
cur = sqlite3.connect('db').cursor()
cur.execute("SELECT * FROM users WHERE name = '%s'" % sys.argv[1])
cur.execute(f"DELETE FROM t WHERE id = {sys.argv[2]}")
cur.execute('SELECT * FROM t WHERE id = ?', (1,))
