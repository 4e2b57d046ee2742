# expect: CDN303
import yaml
data = yaml.load(open('c.yaml'))
yaml.load(open('d.yaml'), Loader=yaml.SafeLoader)
