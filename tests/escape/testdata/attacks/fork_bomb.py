# fork_bomb: an unbounded fork bomb. Only run after fork_bounded proved in
# the same test that the sandbox's pids limit holds.
import os
while True:
    os.fork()
