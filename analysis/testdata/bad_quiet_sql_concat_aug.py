# expect: CDN701:medium
import sqlite3

who = input()
sql = "SELECT id FROM t WHERE 1 = 1"
sql += " AND owner = '" + who + "'"
cur = sqlite3.connect("x.db").cursor()
cur.execute(sql)
