# expect: CDN304
import xml.etree.ElementTree as ET
from xml.dom import minidom
ET.fromstring(open('a.xml').read())
minidom.parseString('<a/>')
