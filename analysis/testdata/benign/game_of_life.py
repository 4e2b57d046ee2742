#!/usr/bin/env python3
"""Conway's Game of Life in the terminal, with a few classic patterns,
RLE import/export, and a headless mode that reports population statistics.

    game_of_life.py --pattern glider-gun --generations 200
    game_of_life.py --random 0.3 --size 60x30 --seed 7 --headless
    game_of_life.py --rle patterns/pulsar.rle --wrap
"""

from __future__ import annotations

import argparse
import itertools
import random
import re
import sys
import time
from collections import Counter
from typing import Iterable, Iterator

Cell = tuple[int, int]

PATTERNS: dict[str, list[str]] = {
    "glider": [
        ".O.",
        "..O",
        "OOO",
    ],
    "blinker": ["OOO"],
    "toad": [".OOO", "OOO."],
    "beacon": ["OO..", "OO..", "..OO", "..OO"],
    "r-pentomino": [".OO", "OO.", ".O."],
    "lwss": [".O..O", "O....", "O...O", "OOOO."],
    "glider-gun": [
        "........................O...........",
        "......................O.O...........",
        "............OO......OO............OO",
        "...........O...O....OO............OO",
        "OO........O.....O...OO..............",
        "OO........O...O.OO....O.O...........",
        "..........O.....O.......O...........",
        "...........O...O....................",
        "............OO......................",
    ],
}


class Board:
    def __init__(self, width: int, height: int, wrap: bool = False) -> None:
        self.width = width
        self.height = height
        self.wrap = wrap
        self.alive: set[Cell] = set()
        self.generation = 0

    def place(self, rows: Iterable[str], x0: int, y0: int) -> None:
        for dy, row in enumerate(rows):
            for dx, ch in enumerate(row):
                if ch in "O*#":
                    self.alive.add(self._fit(x0 + dx, y0 + dy))

    def _fit(self, x: int, y: int) -> Cell:
        if self.wrap:
            return x % self.width, y % self.height
        return x, y

    def inside(self, c: Cell) -> bool:
        x, y = c
        return 0 <= x < self.width and 0 <= y < self.height

    def neighbours(self, c: Cell) -> Iterator[Cell]:
        x, y = c
        for dx, dy in itertools.product((-1, 0, 1), repeat=2):
            if dx or dy:
                n = self._fit(x + dx, y + dy)
                if self.wrap or self.inside(n):
                    yield n

    def step(self) -> None:
        counts = Counter(n for c in self.alive for n in self.neighbours(c))
        self.alive = {c for c, k in counts.items() if k == 3 or (k == 2 and c in self.alive)}
        self.generation += 1

    def randomise(self, density: float, rng: random.Random) -> None:
        self.alive = {(x, y) for x in range(self.width) for y in range(self.height)
                      if rng.random() < density}

    def render(self, live: str = "█", dead: str = " ") -> str:
        lines = []
        for y in range(self.height):
            lines.append("".join(live if (x, y) in self.alive else dead for x in range(self.width)))
        return "\n".join(lines)

    def bbox(self) -> tuple[int, int, int, int] | None:
        if not self.alive:
            return None
        xs = [x for x, _ in self.alive]
        ys = [y for _, y in self.alive]
        return min(xs), min(ys), max(xs), max(ys)

    def snapshot(self) -> frozenset[Cell]:
        return frozenset(self.alive)


# --- RLE format (the de-facto exchange format for Life patterns) -----------

RLE_HEADER = re.compile(r"x\s*=\s*(\d+)\s*,\s*y\s*=\s*(\d+)")


def parse_rle(text: str) -> list[str]:
    body = []
    width = 0
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = RLE_HEADER.match(line)
        if m:
            width = int(m.group(1))
            continue
        body.append(line)
    rows: list[str] = []
    current = []
    for count, tag in re.findall(r"(\d*)([bo$!])", "".join(body)):
        n = int(count) if count else 1
        if tag == "b":
            current.append("." * n)
        elif tag == "o":
            current.append("O" * n)
        elif tag == "$":
            rows.append("".join(current))
            rows.extend([""] * (n - 1))
            current = []
        else:
            rows.append("".join(current))
            break
    return [r.ljust(width, ".") for r in rows]


def to_rle(board: Board) -> str:
    box = board.bbox()
    if box is None:
        return "x = 0, y = 0\n!\n"
    x0, y0, x1, y1 = box
    out = [f"x = {x1 - x0 + 1}, y = {y1 - y0 + 1}, rule = B3/S23"]
    runs = []
    for y in range(y0, y1 + 1):
        row = "".join("o" if (x, y) in board.alive else "b" for x in range(x0, x1 + 1)).rstrip("b")
        for ch, grp in itertools.groupby(row):
            n = len(list(grp))
            runs.append(f"{n if n > 1 else ''}{ch}")
        runs.append("$")
    runs[-1] = "!"
    text = "".join(runs)
    out.extend(text[i:i + 70] for i in range(0, len(text), 70))
    return "\n".join(out) + "\n"


def detect_cycle(history: dict[frozenset, int], board: Board) -> int | None:
    snap = board.snapshot()
    if snap in history:
        return board.generation - history[snap]
    history[snap] = board.generation
    return None


def parse_size(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d+)x(\d+)", text)
    if not m:
        raise argparse.ArgumentTypeError("size is WIDTHxHEIGHT, e.g. 80x24")
    w, h = int(m.group(1)), int(m.group(2))
    if not (3 <= w <= 1000 and 3 <= h <= 1000):
        raise argparse.ArgumentTypeError("each side between 3 and 1000")
    return w, h


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Conway's Game of Life")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--pattern", choices=sorted(PATTERNS), default="glider")
    src.add_argument("--rle", type=argparse.FileType("r"))
    src.add_argument("--random", type=float, metavar="DENSITY")
    p.add_argument("--size", type=parse_size, default=(60, 24))
    p.add_argument("--wrap", action="store_true", help="toroidal board")
    p.add_argument("--generations", type=int, default=100)
    p.add_argument("--delay", type=float, default=0.08)
    p.add_argument("--seed", type=int)
    p.add_argument("--headless", action="store_true", help="no animation, print stats")
    p.add_argument("--save", type=argparse.FileType("w"), help="write final state as RLE")
    args = p.parse_args(argv)

    width, height = args.size
    board = Board(width, height, wrap=args.wrap)
    if args.random is not None:
        board.randomise(args.random, random.Random(args.seed))
    else:
        rows = parse_rle(args.rle.read()) if args.rle else PATTERNS[args.pattern]
        board.place(rows, (width - len(rows[0])) // 2 if not args.rle else 1, 1)

    history: dict[frozenset, int] = {}
    populations = []
    period = None
    for _ in range(args.generations):
        populations.append(len(board.alive))
        if not args.headless:
            sys.stdout.write("\x1b[H\x1b[2J")
            sys.stdout.write(board.render() + "\n")
            sys.stdout.write(f"generation {board.generation}  population {len(board.alive)}\n")
            sys.stdout.flush()
            time.sleep(args.delay)
        period = detect_cycle(history, board)
        if period is not None:
            break
        board.step()

    if args.headless or period is not None:
        print(f"generations run: {board.generation}")
        print(f"final population: {len(board.alive)}")
        if populations:
            print(f"peak population: {max(populations)} at generation {populations.index(max(populations))}")
        if period is not None:
            print(f"settled into a cycle of period {period}" if period else "stable")
    if args.save:
        args.save.write(to_rle(board))
    return 0


if __name__ == "__main__":
    sys.exit(main())
