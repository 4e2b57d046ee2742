# expect: CDN203
import subprocess
subprocess.run(["git", "status"], check=True)
