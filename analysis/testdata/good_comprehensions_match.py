import json
import sys

data = json.loads('{"a": [1, 2, 3], "b": {"c": 4}}')
squares = {k: [v * v for v in vs] for k, vs in data.items() if isinstance(vs, list)}
flat = [x for row in [[1, 2], [3, 4]] for x in row]
gen = sum(x for x in range(100) if (y := x % 7) == 0)


def describe(cmd):
    match cmd:
        case {"action": "move", "x": x, "y": y}:
            return f"move to {x},{y}"
        case ["quit" | "exit"]:
            return "bye"
        case str() as s if s.startswith("#"):
            return "comment"
        case _:
            return "unknown"


print(squares, flat, gen, describe({"action": "move", "x": 1, "y": 2}), file=sys.stdout)
