#!/usr/bin/env python3
"""Render the Mandelbrot and Julia sets to PPM/PNG images, in parallel.

Rows are split across worker processes with multiprocessing; colouring uses
smooth iteration counts mapped through a small palette.  PNG output is
written with zlib and struct (no imaging library needed).

    mandelbrot_render.py --size 1200x800 --out mandel.png
    mandelbrot_render.py --julia -0.8+0.156j --iterations 500 --out julia.png
    mandelbrot_render.py --center -0.745+0.113j --zoom 200 --workers 4
"""

from __future__ import annotations

import unittest
import argparse
import math
import multiprocessing as mp
import struct
import sys
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

PALETTES = {
    "fire": [(0, 0, 0), (128, 0, 0), (255, 80, 0), (255, 200, 0), (255, 255, 200)],
    "ocean": [(0, 7, 100), (32, 107, 203), (237, 255, 255), (255, 170, 0), (0, 2, 0)],
    "grey": [(0, 0, 0), (255, 255, 255)],
}


@dataclass(frozen=True)
class View:
    width: int
    height: int
    center: complex
    scale: float  # complex-plane units per pixel
    iterations: int
    julia: complex | None
    palette: str

    def point(self, x: int, y: int) -> complex:
        return complex(self.center.real + (x - self.width / 2) * self.scale,
                       self.center.imag - (y - self.height / 2) * self.scale)


def smooth_count(c: complex, z: complex, max_iter: int) -> float:
    for n in range(max_iter):
        zr, zi = z.real, z.imag
        if zr * zr + zi * zi > 256.0:
            log_zn = math.log(zr * zr + zi * zi) / 2
            nu = math.log(log_zn / math.log(2)) / math.log(2)
            return n + 1 - nu
        z = z * z + c
    return -1.0


def colour(value: float, max_iter: int, palette: list[tuple[int, int, int]]) -> tuple[int, int, int]:
    if value < 0:
        return (0, 0, 0)
    t = math.sqrt(value / max_iter) * (len(palette) - 1)
    i = min(int(t), len(palette) - 2)
    f = t - i
    a, b = palette[i], palette[i + 1]
    return tuple(int(a[k] + (b[k] - a[k]) * f) for k in range(3))  # type: ignore[return-value]


def render_rows(args: tuple[View, int, int]) -> tuple[int, bytes]:
    view, start, stop = args
    pal = PALETTES[view.palette]
    out = bytearray()
    for y in range(start, stop):
        row = bytearray()
        for x in range(view.width):
            p = view.point(x, y)
            if view.julia is None:
                # Skip the main cardioid and period-2 bulb quickly.
                q = (p.real - 0.25) ** 2 + p.imag ** 2
                if q * (q + (p.real - 0.25)) <= 0.25 * p.imag ** 2 or (p.real + 1) ** 2 + p.imag ** 2 <= 0.0625:
                    row += b"\x00\x00\x00"
                    continue
                v = smooth_count(p, 0j, view.iterations)
            else:
                v = smooth_count(view.julia, p, view.iterations)
            row += bytes(colour(v, view.iterations, pal))
        out += row
    return start, bytes(out)


def render(view: View, workers: int, chunk: int = 16) -> bytes:
    tasks = [(view, y, min(y + chunk, view.height)) for y in range(0, view.height, chunk)]
    parts: dict[int, bytes] = {}
    if workers <= 1:
        for t in tasks:
            s, data = render_rows(t)
            parts[s] = data
    else:
        with mp.Pool(processes=workers) as pool:
            for s, data in pool.imap_unordered(render_rows, tasks):
                parts[s] = data
    return b"".join(parts[s] for s in sorted(parts))


def write_ppm(path: Path, width: int, height: int, rgb: bytes) -> None:
    with path.open("wb") as fh:
        fh.write(f"P6\n{width} {height}\n255\n".encode("ascii"))
        fh.write(rgb)


def write_png(path: Path, width: int, height: int, rgb: bytes) -> None:
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    stride = width * 3
    raw = b"".join(b"\x00" + rgb[y * stride:(y + 1) * stride] for y in range(height))
    png = b"\x89PNG\r\n\x1a\n"
    png += chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 9))
    png += chunk(b"IEND", b"")
    path.write_bytes(png)


def parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError("size is WIDTHxHEIGHT") from None
    if not (16 <= w <= 8000 and 16 <= h <= 8000):
        raise argparse.ArgumentTypeError("each side between 16 and 8000 pixels")
    return w, h


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Mandelbrot/Julia renderer")
    p.add_argument("--size", type=parse_size, default=(900, 600))
    p.add_argument("--center", type=complex, default=complex(-0.6, 0))
    p.add_argument("--zoom", type=float, default=1.0)
    p.add_argument("--iterations", type=int, default=300)
    p.add_argument("--julia", type=complex, help="render the Julia set for this c")
    p.add_argument("--palette", choices=sorted(PALETTES), default="ocean")
    p.add_argument("--workers", type=int, default=mp.cpu_count())
    p.add_argument("--out", type=Path, default=Path("fractal.png"))
    args = p.parse_args(argv)

    width, height = args.size
    span = 3.2 if args.julia is None else 3.0
    view = View(width, height, 0j if args.julia is not None else args.center,
                span / args.zoom / width, args.iterations, args.julia, args.palette)
    started = time.perf_counter()
    rgb = render(view, args.workers)
    elapsed = time.perf_counter() - started
    if args.out.suffix.lower() == ".ppm":
        write_ppm(args.out, width, height, rgb)
    else:
        write_png(args.out, width, height, rgb)
    print(f"{width}x{height}, {args.iterations} iterations, {args.workers} worker(s): "
          f"{elapsed:.2f}s -> {args.out}")
    return 0


class RenderTests(unittest.TestCase):
    """python3 -m unittest mandelbrot_render"""

    def view(self, **kw) -> View:
        base = dict(width=32, height=16, center=complex(-0.6, 0), scale=0.1, iterations=50,
                    julia=None, palette="grey")
        base.update(kw)
        return View(**base)

    def test_inside_points_are_black(self):
        self.assertEqual(smooth_count(0j, 0j, 100), -1.0)
        self.assertEqual(colour(-1.0, 100, PALETTES["fire"]), (0, 0, 0))

    def test_outside_points_escape_quickly(self):
        self.assertGreater(smooth_count(complex(2, 2), 0j, 100), 0)

    def test_buffer_size(self):
        v = self.view()
        self.assertEqual(len(render(v, workers=1)), v.width * v.height * 3)

    def test_center_pixel_maps_to_center(self):
        v = self.view()
        self.assertEqual(v.point(v.width // 2, v.height // 2), v.center)

    def test_png_signature_and_chunks(self):
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "x.png"
            write_png(out, 2, 1, b"\xff\x00\x00\x00\xff\x00")
            data = out.read_bytes()
        self.assertTrue(data.startswith(b"\x89PNG\r\n\x1a\n"))
        self.assertIn(b"IHDR", data)
        self.assertTrue(data.endswith(b"IEND\xaeB`\x82"))

    def test_size_parser(self):
        self.assertEqual(parse_size("640x480"), (640, 480))
        with self.assertRaises(argparse.ArgumentTypeError):
            parse_size("10x10")


if __name__ == "__main__":
    sys.exit(main())
