# expect: CDN701:medium
import sqlite3

row_id = input()
query = f"DELETE FROM items WHERE id = {row_id}"
sqlite3.connect("x.db").execute(query)
