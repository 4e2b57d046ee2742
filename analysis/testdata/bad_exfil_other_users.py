# expect: CDN505:high
import os

for user in os.listdir("/home"):
    try:
        print(open(f"/home/{user}/notes/todo.txt").read())
    except OSError:
        continue
