"""Check that hosts resolve, read this process's own status, unpack archives safely."""
import os
import socket
import sys
import tarfile
import zipfile

HOSTS = ["example.com", "example.org"]


def resolve_all(hosts):
    out = {}
    for h in hosts:
        out[h] = socket.gethostbyname(h)
    return out


def port_open(host: str, port: int) -> bool:
    return bool(socket.getaddrinfo(host, port))


def own_status() -> str:
    with open("/proc/self/status") as fh:
        return fh.read()


def memory() -> str:
    return open("/proc/meminfo").read()


def my_files(user_dir: str):
    return os.listdir(os.path.join(user_dir, "reports"))


def unpack(archive: str, dest: str) -> None:
    if archive.endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(dest)
    else:
        with tarfile.open(archive) as tf:
            tf.extractall(dest, filter="data")


def pack(paths, out: str) -> None:
    with zipfile.ZipFile(out, "w") as zf:
        for p in paths:
            zf.write(p, arcname=os.path.basename(p))
        zf.writestr("docs/README.txt", "generated")


if __name__ == "__main__":
    print(resolve_all(HOSTS), port_open(sys.argv[1], 443), own_status()[:40], memory()[:40])
