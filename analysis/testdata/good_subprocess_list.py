import subprocess
import shutil


def git_branch() -> str:
    git = shutil.which("git") or "git"
    out = subprocess.run([git, "rev-parse", "--abbrev-ref", "HEAD"], capture_output=True, text=True, check=False)
    return out.stdout.strip()


print(git_branch())
