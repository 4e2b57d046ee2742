#!/usr/bin/env python3
"""Inspect binary files: hexdump with offsets, file-type detection from magic
numbers, embedded strings, entropy per block, and a structured view of a few
common headers (PNG chunks, ZIP entries, ELF header, gzip header).

Nothing is executed or unpacked -- the tool only reads bytes and prints.

    hexdump_inspector.py firmware.bin --strings --min 6
    hexdump_inspector.py photo.png --structure
    hexdump_inspector.py blob.dat --entropy --block 4096
    hexdump_inspector.py app --offset 0x40 --length 64
"""

from __future__ import annotations

import unittest
import argparse
import math
import string
import struct
import sys
import zlib
from collections import Counter
from pathlib import Path
from typing import Iterator

MAGIC = [
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"PK\x03\x04", "ZIP archive (also docx/xlsx/jar/wheel)"),
    (b"\x1f\x8b", "gzip data"),
    (b"BZh", "bzip2 data"),
    (b"\xfd7zXZ\x00", "xz data"),
    (b"\x7fELF", "ELF executable"),
    (b"MZ", "DOS/Windows executable"),
    (b"%PDF-", "PDF document"),
    (b"SQLite format 3\x00", "SQLite database"),
    (b"\x00asm", "WebAssembly module"),
    (b"\xca\xfe\xba\xbe", "Java class or Mach-O fat binary"),
]
PRINTABLE = set(bytes(string.printable, "ascii")) - set(b"\t\n\r\x0b\x0c")


def detect(head: bytes) -> str:
    for magic, name in MAGIC:
        if head.startswith(magic):
            return name
    if head[:3] == b"\xef\xbb\xbf" or all(b in PRINTABLE or b in b"\t\n\r" for b in head[:512]):
        return "text"
    return "unknown binary"


def hexdump(data: bytes, base: int = 0, width: int = 16) -> Iterator[str]:
    for off in range(0, len(data), width):
        chunk = data[off:off + width]
        hexpart = " ".join(f"{b:02x}" for b in chunk)
        if width == 16:
            hexpart = hexpart[:23] + " " + hexpart[23:]
        text = "".join(chr(b) if b in PRINTABLE else "." for b in chunk)
        yield f"{base + off:08x}  {hexpart:<{width * 3 + 1}} |{text}|"


def strings_in(data: bytes, min_len: int) -> Iterator[tuple[int, str]]:
    start, buf = 0, bytearray()
    for i, b in enumerate(data):
        if b in PRINTABLE:
            if not buf:
                start = i
            buf.append(b)
        else:
            if len(buf) >= min_len:
                yield start, buf.decode("ascii")
            buf.clear()
    if len(buf) >= min_len:
        yield start, buf.decode("ascii")


def entropy(block: bytes) -> float:
    if not block:
        return 0.0
    counts = Counter(block)
    n = len(block)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def png_structure(data: bytes) -> Iterator[str]:
    pos = 8
    while pos + 8 <= len(data):
        length, tag = struct.unpack_from(">I4s", data, pos)
        body = data[pos + 8:pos + 8 + length]
        crc_ok = len(data) >= pos + 12 + length and \
            struct.unpack_from(">I", data, pos + 8 + length)[0] == zlib.crc32(tag + body) & 0xFFFFFFFF
        extra = ""
        if tag == b"IHDR" and length == 13:
            w, h, depth, ctype = struct.unpack_from(">IIBB", body)
            extra = f" {w}x{h}, depth {depth}, colour type {ctype}"
        yield f"  chunk {tag.decode('latin-1')} at {pos:#x}, {length} bytes, crc {'ok' if crc_ok else 'BAD'}{extra}"
        pos += 12 + length
        if tag == b"IEND":
            break


def zip_structure(data: bytes) -> Iterator[str]:
    pos = 0
    while True:
        pos = data.find(b"PK\x03\x04", pos)
        if pos < 0 or pos + 30 > len(data):
            return
        (_, _, flags, method, _, _, crc, csize, usize, nlen, xlen) = struct.unpack_from("<IHHHHHIIIHH", data, pos)
        name = data[pos + 30:pos + 30 + nlen].decode("utf-8", "replace")
        warn = ""
        if name.startswith("/") or ".." in name.split("/"):
            warn = "  <- unsafe path (absolute or ..)"
        yield f"  entry {name!r} method {method} {csize} -> {usize} bytes{warn}"
        pos += 30 + nlen + xlen + (csize if not flags & 0x08 else 0)
        if flags & 0x08:
            pos += 1


def elf_structure(data: bytes) -> Iterator[str]:
    if len(data) < 0x34:
        return
    cls = {1: "32-bit", 2: "64-bit"}.get(data[4], "?")
    endian = "<" if data[5] == 1 else ">"
    etype, machine = struct.unpack_from(endian + "HH", data, 16)
    types = {1: "relocatable", 2: "executable", 3: "shared object / PIE", 4: "core"}
    machines = {3: "x86", 0x3E: "x86-64", 0x28: "ARM", 0xB7: "AArch64", 0xF3: "RISC-V"}
    yield f"  {cls}, {'little' if endian == '<' else 'big'} endian, {types.get(etype, etype)}, " \
          f"{machines.get(machine, hex(machine))}"


def gzip_structure(data: bytes) -> Iterator[str]:
    if len(data) < 10:
        return
    method, flags, mtime = data[2], data[3], struct.unpack_from("<I", data, 4)[0]
    yield f"  method {method}, flags {flags:#04x}, mtime {mtime}"
    if flags & 0x08:
        end = data.find(b"\x00", 10)
        yield f"  original name {data[10:end].decode('latin-1')!r}"


STRUCTURES = {"PNG image": png_structure, "ZIP archive (also docx/xlsx/jar/wheel)": zip_structure,
              "ELF executable": elf_structure, "gzip data": gzip_structure}


def int_auto(text: str) -> int:
    return int(text, 0)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="read-only binary inspector")
    p.add_argument("file", type=Path)
    p.add_argument("--offset", type=int_auto, default=0)
    p.add_argument("--length", type=int_auto, default=256)
    p.add_argument("--strings", action="store_true")
    p.add_argument("--min", type=int, default=5)
    p.add_argument("--entropy", action="store_true")
    p.add_argument("--block", type=int, default=1024)
    p.add_argument("--structure", action="store_true")
    args = p.parse_args(argv)

    data = args.file.read_bytes()
    kind = detect(data[:1024])
    print(f"{args.file}: {len(data)} bytes, {kind}")
    if args.structure:
        fn = STRUCTURES.get(kind)
        if fn is None:
            print("  (no structure decoder for this type)")
        else:
            for line in fn(data):
                print(line)
    if args.strings:
        for off, s in strings_in(data, args.min):
            print(f"{off:08x}  {s}")
    if args.entropy:
        for off in range(0, len(data), args.block):
            e = entropy(data[off:off + args.block])
            bar = "#" * round(e * 5)
            hint = "  compressed/encrypted?" if e > 7.5 else ""
            print(f"{off:08x}  {e:5.2f}  {bar}{hint}")
    if not (args.strings or args.entropy or args.structure) or args.offset or args.length != 256:
        window = data[args.offset:args.offset + args.length]
        for line in hexdump(window, args.offset):
            print(line)
    return 0


class InspectorTests(unittest.TestCase):
    """python3 -m unittest hexdump_inspector"""

    def test_detect(self):
        self.assertEqual(detect(b"\x89PNG\r\n\x1a\nrest"), "PNG image")
        self.assertEqual(detect(b"hello world\n"), "text")
        self.assertEqual(detect(b"\x00\x01\x02\xfe"), "unknown binary")

    def test_hexdump_line(self):
        line = next(hexdump(b"ABC\x00", base=0x10))
        self.assertTrue(line.startswith("00000010  41 42 43 00"))
        self.assertTrue(line.endswith("|ABC.|"))

    def test_strings(self):
        found = list(strings_in(b"\x00\x00hello\x00hi\x00world!\x00", 5))
        self.assertEqual(found, [(2, "hello"), (11, "world!")])

    def test_entropy_bounds(self):
        self.assertEqual(entropy(b"aaaa"), 0.0)
        self.assertAlmostEqual(entropy(bytes(range(256))), 8.0)

    def test_gzip_header(self):
        import gzip
        data = gzip.compress(b"x", mtime=0)
        self.assertEqual(list(gzip_structure(data))[0], "  method 8, flags 0x00, mtime 0")


if __name__ == "__main__":
    sys.exit(main())
