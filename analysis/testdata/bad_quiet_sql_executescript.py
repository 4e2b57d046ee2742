# expect: CDN701:medium
import sqlite3
conn = sqlite3.connect("a.db")
user = input()
conn.execute("SELECT * FROM t WHERE u = '%s'" % user)
conn.executescript(f"DROP TABLE {user}")
