# expect: CDN702:medium
from jinja2 import Environment, FileSystemLoader

env = Environment(loader=FileSystemLoader("templates"))
