#!/usr/bin/env python3
"""A tiny text adventure: rooms, items, a locked door and a save file.

Commands: look, go <dir>, take <item>, drop <item>, use <item>, inventory,
save, load, help, quit.  Saved games are JSON in ``savegame.json`` next to
this script -- we used pickle once, and stopped: a save file someone sends
you should never be able to run code, and JSON cannot.
"""

from __future__ import annotations

import json
import random
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

SAVE_FILE = Path(__file__).resolve().with_name("savegame.json")
DIRECTIONS = {"n": "north", "s": "south", "e": "east", "w": "west", "u": "up", "d": "down"}


@dataclass
class Room:
    key: str
    name: str
    description: str
    exits: dict[str, str]
    items: list[str] = field(default_factory=list)
    dark: bool = False
    locked: dict[str, str] = field(default_factory=dict)  # direction -> key item


@dataclass
class Item:
    key: str
    name: str
    description: str
    portable: bool = True
    light: bool = False


ITEMS = {
    "lamp": Item("lamp", "a brass lamp", "An old brass lamp. It still has oil.", light=True),
    "key": Item("key", "a small iron key", "Rusty, but the teeth are intact."),
    "map": Item("map", "a folded map", "It shows a cellar beneath the kitchen."),
    "coin": Item("coin", "a gold coin", "Stamped with a crown you do not recognise."),
    "statue": Item("statue", "a marble statue", "Far too heavy to carry.", portable=False),
    "bread": Item("bread", "a loaf of bread", "Slightly stale."),
}


def build_world() -> dict[str, Room]:
    rooms = [
        Room("hall", "Great Hall", "A draughty hall. Doors lead north and east; stairs go down.",
             {"north": "library", "east": "kitchen", "down": "cellar"}, ["statue"],
             locked={"down": "key"}),
        Room("library", "Library", "Shelves of mouldering books. A desk stands by the window.",
             {"south": "hall"}, ["map", "lamp"]),
        Room("kitchen", "Kitchen", "Copper pots hang over a cold hearth.",
             {"west": "hall"}, ["bread", "key"]),
        Room("cellar", "Cellar", "Damp stone walls. Something glints in the corner.",
             {"up": "hall"}, ["coin"], dark=True),
    ]
    return {r.key: r for r in rooms}


class Game:
    def __init__(self, rng: random.Random | None = None) -> None:
        self.rooms = build_world()
        self.here = "hall"
        self.inventory: list[str] = []
        self.moves = 0
        self.score = 0
        self.over = False
        self.rng = rng or random.Random()

    # --- helpers ---------------------------------------------------------
    @property
    def room(self) -> Room:
        return self.rooms[self.here]

    def can_see(self) -> bool:
        return not self.room.dark or any(ITEMS[i].light for i in self.inventory)

    def say(self, text: str) -> str:
        return textwrap.fill(text, 70)

    # --- commands --------------------------------------------------------
    def look(self) -> str:
        if not self.can_see():
            return "It is pitch dark. You might be eaten by something."
        parts = [f"== {self.room.name} ==", self.say(self.room.description)]
        if self.room.items:
            names = ", ".join(ITEMS[i].name for i in self.room.items)
            parts.append(f"You see: {names}.")
        parts.append("Exits: " + ", ".join(sorted(self.room.exits)))
        return "\n".join(parts)

    def go(self, where: str) -> str:
        direction = DIRECTIONS.get(where, where)
        if direction not in self.room.exits:
            return "You can't go that way."
        needed = self.room.locked.get(direction)
        if needed:
            if needed not in self.inventory:
                return "The way is locked."
            del self.room.locked[direction]
            self.score += 5
            msg = f"You unlock the way {direction} with the {needed}.\n"
        else:
            msg = ""
        self.here = self.room.exits[direction]
        self.moves += 1
        return msg + self.look()

    def take(self, what: str) -> str:
        if not self.can_see():
            return "You fumble around in the dark but find nothing."
        if what not in self.room.items:
            return f"There is no {what} here."
        item = ITEMS[what]
        if not item.portable:
            return f"{item.name.capitalize()} will not budge."
        self.room.items.remove(what)
        self.inventory.append(what)
        if what == "coin":
            self.score += 20
            self.over = True
            return "You take the gold coin. Treasure found -- you win!"
        return f"Taken: {item.name}."

    def drop(self, what: str) -> str:
        if what not in self.inventory:
            return f"You are not carrying a {what}."
        self.inventory.remove(what)
        self.room.items.append(what)
        return f"Dropped: {ITEMS[what].name}."

    def use(self, what: str) -> str:
        if what not in self.inventory:
            return f"You have no {what}."
        if what == "bread":
            self.inventory.remove("bread")
            return self.rng.choice(["Delicious.", "Chewy, but filling.", "You feel stronger."])
        if what == "map":
            return ITEMS["map"].description
        return f"You wave the {what} around. Nothing happens."

    def show_inventory(self) -> str:
        if not self.inventory:
            return "You are empty-handed."
        return "You carry: " + ", ".join(ITEMS[i].name for i in self.inventory) + "."

    # --- persistence -----------------------------------------------------
    def to_dict(self) -> dict:
        return {
            "here": self.here,
            "inventory": self.inventory,
            "moves": self.moves,
            "score": self.score,
            "rooms": {k: {"items": r.items, "locked": r.locked} for k, r in self.rooms.items()},
        }

    def load_dict(self, data: dict) -> None:
        if data.get("here") not in self.rooms:
            raise ValueError("save file names an unknown room")
        for key, state in data.get("rooms", {}).items():
            if key not in self.rooms:
                raise ValueError(f"save file names an unknown room {key!r}")
            items = [i for i in state.get("items", []) if i in ITEMS]
            self.rooms[key].items = items
            self.rooms[key].locked = {d: k for d, k in state.get("locked", {}).items() if k in ITEMS}
        self.here = data["here"]
        self.inventory = [i for i in data.get("inventory", []) if i in ITEMS]
        self.moves = int(data.get("moves", 0))
        self.score = int(data.get("score", 0))

    def save(self, path: Path = SAVE_FILE) -> str:
        path.write_text(json.dumps(self.to_dict(), indent=1), encoding="utf-8")
        return f"Saved to {path.name}."

    def load(self, path: Path = SAVE_FILE) -> str:
        try:
            self.load_dict(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return "No saved game."
        except (ValueError, TypeError) as exc:
            return f"Save file is damaged: {exc}"
        return "Loaded.\n" + self.look()

    # --- dispatch --------------------------------------------------------
    def handle(self, line: str) -> str:
        words = line.lower().split()
        if not words:
            return ""
        verb, rest = words[0], " ".join(words[1:])
        if verb in DIRECTIONS or verb in DIRECTIONS.values():
            return self.go(verb)
        commands = {
            "look": lambda: self.look(),
            "l": lambda: self.look(),
            "go": lambda: self.go(rest),
            "take": lambda: self.take(rest),
            "get": lambda: self.take(rest),
            "drop": lambda: self.drop(rest),
            "use": lambda: self.use(rest),
            "eat": lambda: self.use(rest),
            "inventory": self.show_inventory,
            "i": self.show_inventory,
            "save": lambda: self.save(),
            "load": lambda: self.load(),
            "help": lambda: __doc__.split("\n\n")[1],
            "score": lambda: f"Score {self.score} in {self.moves} moves.",
        }
        action = commands.get(verb)
        if action is None:
            return f"I don't know how to {verb!r}."
        return action()


def main() -> int:
    game = Game()
    print(game.look())
    while not game.over:
        try:
            line = input("> ")
        except EOFError:
            print()
            break
        if line.strip().lower() in ("quit", "q", "exit"):
            break
        print(game.handle(line))
    print(f"Final score: {game.score} in {game.moves} moves.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
