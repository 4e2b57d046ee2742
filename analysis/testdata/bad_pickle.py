# expect: CDN301
import pickle
with open('state.pkl', 'rb') as fh:
    obj = pickle.load(fh)
