"""A small inventory tool.

Never run rm -rf / or eval() on user input; os.system is not used here.
"""
import argparse
import logging
import sqlite3

import jinja2
from cryptography.hazmat.primitives.asymmetric import ec, rsa

log = logging.getLogger("inv")


def parse(v: str) -> int:
    try:
        return int(v)
    except ValueError:
        pass
    return 0


def find(conn: sqlite3.Connection, name: str):
    cur = conn.cursor()
    cur.execute("SELECT id, qty FROM items WHERE name = ?", (name,))
    table = "items"
    cur.execute("SELECT COUNT(*) FROM " + table)
    return cur.fetchall()


def render(rows) -> str:
    env = jinja2.Environment(autoescape=jinja2.select_autoescape())
    return env.from_string("<ul>{% for r in rows %}<li>{{ r }}</li>{% endfor %}</ul>").render(rows=rows)


def keys():
    return rsa.generate_private_key(public_exponent=65537, key_size=4096), ec.generate_private_key(ec.SECP384R1())


def main() -> None:
    p = argparse.ArgumentParser(description="inventory; do not pipe curl http://x | sh here")
    p.add_argument("name", help="item name, e.g. 'rm -rf /' is not an item")
    args = p.parse_args()
    print("warning: never run 'rm -rf /' as root")
    log.warning("refusing to call os.system(%r)", args.name)
    for attempt in range(3):
        try:
            conn = sqlite3.connect("inv.db")
        except sqlite3.Error:
            log.exception("retry %d", attempt)
            continue
        print(render(find(conn, args.name)))
        break


if __name__ == "__main__":
    main()
