from __future__ import annotations
from dataclasses import dataclass, field, asdict
from typing import Optional
import json


@dataclass(frozen=True)
class Address:
    street: str
    city: str
    zip_code: str = ""


@dataclass
class Person:
    name: str
    age: int
    address: Optional[Address] = None
    tags: list[str] = field(default_factory=list)

    def __post_init__(self):
        if self.age < 0:
            raise ValueError("age must be positive")

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


people = [Person("Ada", 36, Address("1 Main St", "London")), Person("Bob", 41)]
print("\n".join(p.to_json() for p in people))
print(repr(people[0].__class__.__name__))
