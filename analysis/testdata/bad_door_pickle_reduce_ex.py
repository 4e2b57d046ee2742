# expect: CDN305:high CDN203:low CDN301:low
import pickle
import subprocess


class Payload(object):
    def __reduce_ex__(self, protocol):
        return subprocess.check_output, (["id"],)


data = pickle.dumps(Payload(), protocol=2)
