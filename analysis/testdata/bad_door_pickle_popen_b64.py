# expect: CDN305:high CDN203:low CDN301:low
import pickle, base64, subprocess
class R:
    def __reduce__(self):
        return (subprocess.Popen, (("/bin/sh", "-c", "id"),))
print(base64.b64encode(pickle.dumps(R())))
