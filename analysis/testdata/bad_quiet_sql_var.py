# expect: CDN701:medium
import sqlite3

name = input()
conn = sqlite3.connect("app.db")
q = "SELECT * FROM users WHERE name = '%s'" % name
conn.cursor().execute(q)
