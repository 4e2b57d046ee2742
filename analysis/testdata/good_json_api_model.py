import json
from typing import Any

SCHEMA = {"type": "object", "required": ["id", "name"]}


def validate(doc: dict[str, Any]) -> list[str]:
    errors = []
    for key in SCHEMA["required"]:
        if key not in doc:
            errors.append(f"missing {key}")
    if not isinstance(doc.get("id"), int):
        errors.append("id must be an integer")
    return errors


def main():
    raw = '[{"id": 1, "name": "a"}, {"name": "b"}]'
    for i, doc in enumerate(json.loads(raw)):
        problems = validate(doc)
        status = "ok" if not problems else "; ".join(problems)
        print(json.dumps({"index": i, "status": status}))


main()
