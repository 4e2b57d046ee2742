# expect: CDN106
import pickle, base64, sys
pickle.loads(base64.b64decode(sys.argv[1]))
