# hello: the smallest run; prints a line and exits 0.
import sys
print("hello from", sys.argv[1])
print("DONE")
