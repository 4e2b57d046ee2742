#!/usr/bin/env python3
"""Snake in the terminal with curses: levels, walls, a high-score table in
JSON, and a headless mode where a simple greedy AI plays (used to check the
game logic in CI without a terminal).

    snake_game.py                 # play with the arrow keys, q to quit
    snake_game.py --ai --games 50 --seed 1   # headless AI statistics
"""

from __future__ import annotations

import argparse
import curses
import json
import random
import statistics
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

SCORES = Path(__file__).resolve().with_name("snake_scores.json")
UP, DOWN, LEFT, RIGHT = (0, -1), (0, 1), (-1, 0), (1, 0)
OPPOSITE = {UP: DOWN, DOWN: UP, LEFT: RIGHT, RIGHT: LEFT}
Point = tuple[int, int]


@dataclass
class Game:
    width: int = 40
    height: int = 20
    rng: random.Random = field(default_factory=random.Random)
    level: int = 1
    snake: deque[Point] = field(default_factory=deque)
    direction: Point = RIGHT
    food: Point = (0, 0)
    walls: set[Point] = field(default_factory=set)
    score: int = 0
    alive: bool = True
    steps: int = 0

    def __post_init__(self) -> None:
        cx, cy = self.width // 2, self.height // 2
        self.snake = deque([(cx - i, cy) for i in range(3)])
        self.build_walls()
        self.place_food()

    def build_walls(self) -> None:
        self.walls = set()
        if self.level >= 2:
            for x in range(self.width // 4, 3 * self.width // 4):
                self.walls.add((x, self.height // 4))
                self.walls.add((x, 3 * self.height // 4))
        if self.level >= 3:
            for y in range(self.height // 3, 2 * self.height // 3):
                self.walls.add((self.width // 6, y))
                self.walls.add((5 * self.width // 6, y))
        self.walls -= set(self.snake)

    def free_cells(self) -> list[Point]:
        taken = set(self.snake) | self.walls
        return [(x, y) for x in range(self.width) for y in range(self.height) if (x, y) not in taken]

    def place_food(self) -> None:
        cells = self.free_cells()
        if not cells:
            self.alive = False
            return
        self.food = self.rng.choice(cells)

    def turn(self, d: Point) -> None:
        if d != OPPOSITE[self.direction]:
            self.direction = d

    def step(self) -> None:
        if not self.alive:
            return
        hx, hy = self.snake[0]
        dx, dy = self.direction
        head = ((hx + dx) % self.width, (hy + dy) % self.height)
        tail = self.snake[-1]
        body = set(self.snake) - {tail}
        if head in body or head in self.walls:
            self.alive = False
            return
        self.snake.appendleft(head)
        self.steps += 1
        if head == self.food:
            self.score += 10 * self.level
            if self.score >= 100 * self.level and self.level < 3:
                self.level += 1
                self.build_walls()
            self.place_food()
        else:
            self.snake.pop()

    def speed(self) -> float:
        return max(0.04, 0.12 - 0.01 * (len(self.snake) // 5) - 0.02 * (self.level - 1))


def greedy_move(g: Game) -> Point:
    """Move towards the food, never straight into the body or a wall."""
    hx, hy = g.snake[0]
    options = []
    for d in (UP, DOWN, LEFT, RIGHT):
        if d == OPPOSITE[g.direction]:
            continue
        nxt = ((hx + d[0]) % g.width, (hy + d[1]) % g.height)
        if nxt in g.walls or nxt in list(g.snake)[:-1]:
            continue
        dist = abs(nxt[0] - g.food[0]) + abs(nxt[1] - g.food[1])
        options.append((dist, g.rng.random(), d))
    return min(options)[2] if options else g.direction


def load_scores() -> list[dict]:
    try:
        return json.loads(SCORES.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return []


def save_score(name: str, score: int) -> int:
    scores = load_scores()
    scores.append({"name": name[:12], "score": score, "at": time.strftime("%Y-%m-%d")})
    scores.sort(key=lambda s: -s["score"])
    SCORES.write_text(json.dumps(scores[:10], indent=1), encoding="utf-8")
    return next(i for i, s in enumerate(scores, 1) if s["score"] == score)


def play(stdscr: "curses.window") -> int:
    curses.curs_set(0)
    stdscr.nodelay(True)
    h, w = stdscr.getmaxyx()
    g = Game(width=max(20, w - 2), height=max(10, h - 3))
    keys = {curses.KEY_UP: UP, curses.KEY_DOWN: DOWN, curses.KEY_LEFT: LEFT, curses.KEY_RIGHT: RIGHT,
            ord("w"): UP, ord("s"): DOWN, ord("a"): LEFT, ord("d"): RIGHT}
    while g.alive:
        ch = stdscr.getch()
        if ch in (ord("q"), 27):
            break
        if ch in keys:
            g.turn(keys[ch])
        g.step()
        stdscr.erase()
        stdscr.addstr(0, 0, f" score {g.score}  level {g.level}  length {len(g.snake)} "[: w - 1])
        for (x, y) in g.walls:
            stdscr.addch(y + 1, x + 1, "#")
        stdscr.addch(g.food[1] + 1, g.food[0] + 1, "*")
        for i, (x, y) in enumerate(g.snake):
            stdscr.addch(y + 1, x + 1, "@" if i == 0 else "o")
        stdscr.refresh()
        time.sleep(g.speed())
    return g.score


def simulate(games: int, seed: int | None) -> dict:
    rng = random.Random(seed)
    scores, lengths, steps = [], [], []
    for _ in range(games):
        g = Game(rng=random.Random(rng.random()))
        while g.alive and g.steps < 5000:
            g.turn(greedy_move(g))
            g.step()
        scores.append(g.score)
        lengths.append(len(g.snake))
        steps.append(g.steps)
    return {
        "games": games,
        "mean_score": round(statistics.fmean(scores), 1),
        "best_score": max(scores),
        "mean_length": round(statistics.fmean(lengths), 1),
        "mean_steps": round(statistics.fmean(steps), 1),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="terminal snake")
    p.add_argument("--ai", action="store_true", help="headless: let the greedy AI play")
    p.add_argument("--games", type=int, default=20)
    p.add_argument("--seed", type=int)
    p.add_argument("--name", default="player")
    p.add_argument("--scores", action="store_true", help="show the high-score table")
    args = p.parse_args(argv)
    if args.scores:
        for i, s in enumerate(load_scores(), 1):
            print(f"{i:>2}. {s['name']:<12} {s['score']:>6}  {s['at']}")
        return 0
    if args.ai:
        print(json.dumps(simulate(args.games, args.seed), indent=2))
        return 0
    score = curses.wrapper(play)
    rank = save_score(args.name, score)
    print(f"score {score}, rank {rank} in the table")
    return 0


if __name__ == "__main__":
    sys.exit(main())
