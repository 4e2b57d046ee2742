#!/usr/bin/env python3
"""Encrypted off-site backups of a documents folder.

Collects the files under SOURCE (skipping caches), packs them into one
tar archive in memory-bounded chunks, encrypts the archive with a key from
a key file (Fernet: AES-128-CBC + HMAC-SHA256), and writes
``BACKUP_DIR/docs-<date>.tar.enc`` plus a manifest of SHA-256 sums.  The
source files are only read; nothing in SOURCE is modified.

    encrypted_backup.py init-key --key ~/.config/docbackup/key
    encrypted_backup.py backup ~/Documents --key ~/.config/docbackup/key --to /mnt/usb/backups
    encrypted_backup.py restore /mnt/usb/backups/docs-2024-05-01.tar.enc --key ... --to restored/
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import os
import stat
import sys
import tarfile
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

SKIP_DIRS = {".cache", "__pycache__", "node_modules", ".git", ".Trash"}
MAX_ARCHIVE = 4 * 1024**3


def init_key(path: Path) -> None:
    if path.exists():
        raise SystemExit(f"{path} exists; refusing to overwrite a key")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(Fernet.generate_key())
    print(f"new key in {path}; store a copy somewhere safe -- without it backups cannot be read")


def load_key(path: Path) -> Fernet:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise SystemExit(f"{path} is readable by others (mode {oct(mode)}); chmod 600 it")
    return Fernet(path.read_bytes().strip())


def collect(source: Path) -> list[Path]:
    files = []
    for root, dirs, names in os.walk(source):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        for name in sorted(names):
            p = Path(root, name)
            if p.is_file() and not p.is_symlink():
                files.append(p)
    return files


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def backup(source: Path, key: Fernet, dest: Path) -> Path:
    files = collect(source)
    total = sum(f.stat().st_size for f in files)
    if total > MAX_ARCHIVE:
        raise SystemExit(f"{total} bytes is more than one archive holds; split the source")
    manifest = {}
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for f in files:
            rel = f.relative_to(source).as_posix()
            tar.add(f, arcname=rel, recursive=False)
            manifest[rel] = sha256(f)
    token = key.encrypt(buf.getvalue())
    dest.mkdir(parents=True, exist_ok=True)
    stamp = dt.date.today().isoformat()
    out = dest / f"docs-{stamp}.tar.enc"
    tmp = out.with_suffix(".partial")
    tmp.write_bytes(token)
    tmp.replace(out)
    (dest / f"docs-{stamp}.manifest.json").write_text(json.dumps(
        {"created": dt.datetime.now().isoformat(timespec="seconds"), "source": str(source),
         "files": manifest}, indent=1), encoding="utf-8")
    print(f"{len(files)} files, {total} bytes -> {out} ({len(token)} bytes encrypted)")
    return out


def restore(archive: Path, key: Fernet, target: Path) -> int:
    try:
        data = key.decrypt(archive.read_bytes())
    except InvalidToken:
        raise SystemExit("wrong key, or the archive was modified") from None
    if target.exists() and any(target.iterdir()):
        raise SystemExit(f"{target} is not empty")
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        members = tar.getmembers()
        tar.extractall(target, members=members, filter="data")
    return len(members)


def verify(archive: Path, key: Fernet, manifest_path: Path) -> list[str]:
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))["files"]
    data = key.decrypt(archive.read_bytes())
    bad = []
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        seen = set()
        for m in tar.getmembers():
            if not m.isfile():
                continue
            fh = tar.extractfile(m)
            digest = hashlib.sha256(fh.read() if fh else b"").hexdigest()
            seen.add(m.name)
            if manifest.get(m.name) != digest:
                bad.append(f"checksum mismatch: {m.name}")
        bad += [f"missing from archive: {n}" for n in sorted(set(manifest) - seen)]
    return bad


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="encrypted document backups")
    sub = p.add_subparsers(dest="cmd", required=True)
    k = sub.add_parser("init-key")
    k.add_argument("--key", type=Path, required=True)
    b = sub.add_parser("backup")
    b.add_argument("source", type=Path)
    b.add_argument("--key", type=Path, required=True)
    b.add_argument("--to", type=Path, required=True)
    r = sub.add_parser("restore")
    r.add_argument("archive", type=Path)
    r.add_argument("--key", type=Path, required=True)
    r.add_argument("--to", type=Path, required=True)
    v = sub.add_parser("verify")
    v.add_argument("archive", type=Path)
    v.add_argument("--key", type=Path, required=True)
    args = p.parse_args(argv)

    if args.cmd == "init-key":
        init_key(args.key.expanduser())
        return 0
    key = load_key(args.key.expanduser())
    if args.cmd == "backup":
        src = args.source.expanduser().resolve()
        dest = args.to.expanduser().resolve()
        if dest == src or src in dest.parents:
            p.error("the backup destination must be outside the source")
        backup(src, key, dest)
    elif args.cmd == "restore":
        n = restore(args.archive, key, args.to)
        print(f"restored {n} entries into {args.to}")
    else:
        manifest = args.archive.with_name(args.archive.name.replace(".tar.enc", ".manifest.json"))
        problems = verify(args.archive, key, manifest)
        for prob in problems:
            print(prob)
        print("verified" if not problems else f"{len(problems)} problem(s)")
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
