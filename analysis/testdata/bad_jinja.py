# expect: CDN702
import jinja2
env = jinja2.Environment(autoescape=False)
