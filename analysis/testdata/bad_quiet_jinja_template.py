# expect: CDN702:medium
from jinja2 import Template

body = open("template.txt").read()
print(Template(body).render(user="x"))
