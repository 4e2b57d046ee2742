import os
import time

for i in range(3):
    os.system('clear')
    print('tick', i)
    time.sleep(0.1)
