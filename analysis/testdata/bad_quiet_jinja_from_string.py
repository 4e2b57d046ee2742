# expect: CDN702:medium
import jinja2

env = jinja2.Environment(autoescape=True)
print(env.from_string(input()).render())
