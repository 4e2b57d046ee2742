#!/usr/bin/env python3
"""Sudoku solver and puzzle generator.

Solving uses constraint propagation (naked singles, hidden singles) and then
depth-first search on the cell with the fewest candidates.  The generator
removes clues from a random full grid while the puzzle keeps a unique
solution, and grades difficulty by how much search the solver needed.

    sudoku_solver.py solve "53..7....6..195....98....6.8...6...34..8.3..17...2...6.6....28....419..5....8..79"
    sudoku_solver.py solve --file puzzles.txt --stats
    sudoku_solver.py generate --clues 26 --seed 42
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass
from typing import Iterator

DIGITS = "123456789"
ROWS = "ABCDEFGHI"
COLS = DIGITS


def cross(a: str, b: str) -> list[str]:
    return [x + y for x in a for y in b]


SQUARES = cross(ROWS, COLS)
UNITS_LIST = (
    [cross(ROWS, c) for c in COLS]
    + [cross(r, COLS) for r in ROWS]
    + [cross(rs, cs) for rs in ("ABC", "DEF", "GHI") for cs in ("123", "456", "789")]
)
UNITS = {s: [u for u in UNITS_LIST if s in u] for s in SQUARES}
PEERS = {s: set(sum(UNITS[s], [])) - {s} for s in SQUARES}

Grid = dict[str, str]


class Contradiction(Exception):
    pass


@dataclass
class Stats:
    assignments: int = 0
    guesses: int = 0
    backtracks: int = 0


def parse_grid(text: str) -> dict[str, str]:
    chars = [c for c in text if c in DIGITS or c in "0."]
    if len(chars) != 81:
        raise ValueError(f"a grid has 81 cells, got {len(chars)}")
    return dict(zip(SQUARES, chars))


class Solver:
    def __init__(self) -> None:
        self.stats = Stats()

    def initial(self, givens: dict[str, str]) -> Grid:
        values = {s: DIGITS for s in SQUARES}
        for s, d in givens.items():
            if d in DIGITS:
                self.assign(values, s, d)
        return values

    def assign(self, values: Grid, s: str, d: str) -> Grid:
        self.stats.assignments += 1
        for other in values[s].replace(d, ""):
            self.eliminate(values, s, other)
        return values

    def eliminate(self, values: Grid, s: str, d: str) -> None:
        if d not in values[s]:
            return
        values[s] = values[s].replace(d, "")
        if not values[s]:
            raise Contradiction(s)
        if len(values[s]) == 1:
            only = values[s]
            for p in PEERS[s]:
                self.eliminate(values, p, only)
        for unit in UNITS[s]:
            places = [q for q in unit if d in values[q]]
            if not places:
                raise Contradiction(d)
            if len(places) == 1:
                self.assign(values, places[0], d)

    def search(self, values: Grid) -> Grid | None:
        if all(len(values[s]) == 1 for s in SQUARES):
            return values
        _, s = min((len(values[s]), s) for s in SQUARES if len(values[s]) > 1)
        for d in values[s]:
            self.stats.guesses += 1
            try:
                result = self.search(self.assign(values.copy(), s, d))
            except Contradiction:
                self.stats.backtracks += 1
                continue
            if result:
                return result
        return None

    def solve(self, givens: dict[str, str]) -> Grid | None:
        try:
            return self.search(self.initial(givens))
        except Contradiction:
            return None

    def count_solutions(self, givens: dict[str, str], limit: int = 2) -> int:
        try:
            start = self.initial(givens)
        except Contradiction:
            return 0
        return sum(1 for _ in self._all(start, limit))

    def _all(self, values: Grid, limit: int) -> Iterator[Grid]:
        stack = [values]
        found = 0
        while stack and found < limit:
            v = stack.pop()
            if all(len(v[s]) == 1 for s in SQUARES):
                found += 1
                yield v
                continue
            _, s = min((len(v[s]), s) for s in SQUARES if len(v[s]) > 1)
            for d in v[s]:
                try:
                    stack.append(self.assign(v.copy(), s, d))
                except Contradiction:
                    pass


def render(values: dict[str, str]) -> str:
    lines = []
    for i, r in enumerate(ROWS):
        if i in (3, 6):
            lines.append("------+-------+------")
        row = []
        for j, c in enumerate(COLS):
            if j in (3, 6):
                row.append("|")
            v = values[r + c]
            row.append(v if len(v) == 1 and v in DIGITS else ".")
        lines.append(" ".join(row))
    return "\n".join(lines)


def to_line(values: dict[str, str]) -> str:
    return "".join(values[s] if values[s] in DIGITS and len(values[s]) == 1 else "." for s in SQUARES)


def full_grid(rng: random.Random) -> Grid:
    solver = Solver()
    values = {s: DIGITS for s in SQUARES}
    for s in rng.sample(SQUARES, len(SQUARES)):
        if len(values[s]) == 1:
            continue
        for d in rng.sample(values[s], len(values[s])):
            try:
                values = solver.assign(values.copy(), s, d)
                break
            except Contradiction:
                continue
        if all(len(values[q]) == 1 for q in SQUARES):
            return values
    result = solver.search(values)
    if result is None:
        raise RuntimeError("could not complete a random grid")
    return result


def generate(clues: int, rng: random.Random) -> tuple[dict[str, str], Grid]:
    solution = full_grid(rng)
    puzzle = dict(solution)
    for s in rng.sample(SQUARES, len(SQUARES)):
        if sum(1 for v in puzzle.values() if v in DIGITS) <= clues:
            break
        kept = puzzle[s]
        puzzle[s] = "."
        if Solver().count_solutions(puzzle) != 1:
            puzzle[s] = kept
    return puzzle, solution


def grade(givens: dict[str, str]) -> str:
    s = Solver()
    s.solve(givens)
    if s.stats.guesses == 0:
        return "easy"
    if s.stats.guesses < 10:
        return "medium"
    if s.stats.guesses < 100:
        return "hard"
    return "fiendish"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="sudoku solver and generator")
    sub = p.add_subparsers(dest="cmd", required=True)
    sv = sub.add_parser("solve")
    sv.add_argument("grid", nargs="?", help="81 characters, . or 0 for blanks")
    sv.add_argument("--file", type=argparse.FileType("r"))
    sv.add_argument("--stats", action="store_true")
    gn = sub.add_parser("generate")
    gn.add_argument("--clues", type=int, default=28)
    gn.add_argument("--seed", type=int)
    gn.add_argument("--count", type=int, default=1)
    args = p.parse_args(argv)

    if args.cmd == "generate":
        rng = random.Random(args.seed)
        for _ in range(args.count):
            puzzle, _solution = generate(args.clues, rng)
            print(to_line(puzzle), grade(puzzle))
        return 0

    grids = [line.strip() for line in args.file] if args.file else [args.grid or ""]
    failures = 0
    for text in filter(None, grids):
        try:
            givens = parse_grid(text)
        except ValueError as exc:
            print(f"skipping: {exc}", file=sys.stderr)
            failures += 1
            continue
        solver = Solver()
        started = time.perf_counter()
        solution = solver.solve(givens)
        ms = (time.perf_counter() - started) * 1000
        if solution is None:
            print("no solution")
            failures += 1
            continue
        print(render(solution) if len(grids) == 1 else to_line(solution))
        if args.stats:
            st = solver.stats
            print(f"  {ms:.1f} ms, {st.assignments} assignments, {st.guesses} guesses, "
                  f"{st.backtracks} backtracks ({grade(givens)})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
