# expect: CDN305:high CDN101:high CDN301:low
import pickle


class P:
    def __reduce__(self):
        return eval, ("__import__('os').getcwd()",)


open("p.pkl", "wb").write(pickle.dumps(P()))
