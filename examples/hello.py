"""A first script for Cordon: prints where it runs and what it can see."""
import os
import platform
import sys

print(f"hello from Python {platform.python_version()} as uid {os.getuid()}")
print(f"work dir: {os.getcwd()}")
print(f"processes visible: {len([p for p in os.listdir('/proc') if p.isdigit()])}")
print(f"arguments: {sys.argv[1:]}")
