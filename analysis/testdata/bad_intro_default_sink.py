# expect: CDN201:high
import os


def run(command, sink=os.popen):
    return sink(command).read()


print(run(input()))
