import sqlite3


def add_user(conn, name, email):
    conn.execute("INSERT INTO users (name, email) VALUES (?, ?)", (name, email))


def find(conn, name):
    cur = conn.execute("SELECT id, email FROM users WHERE name = ?", (name,))
    return cur.fetchall()


conn = sqlite3.connect(":memory:")
conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, email TEXT)")
add_user(conn, "ada", "ada@example.org")
print(find(conn, "ada"))
