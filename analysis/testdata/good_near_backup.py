"""Encrypted backups of a folder: files are read, one archive is written elsewhere."""
import io
import os
import sys
import tarfile
from pathlib import Path

from cryptography.fernet import Fernet


def collect(source: str):
    files = []
    for root, dirs, names in os.walk(source):
        for name in names:
            files.append(os.path.join(root, name))
    return files


def backup(source: str, dest: Path, key: bytes) -> Path:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for f in collect(source):
            tar.add(f, arcname=os.path.relpath(f, source))
    token = Fernet(key).encrypt(buf.getvalue())
    out = dest / "backup.tar.gz.enc"
    out.write_bytes(token)
    return out


if __name__ == "__main__":
    print(backup(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]).read_bytes()))
