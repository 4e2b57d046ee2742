from typing import Generic, TypeVar, Protocol, Iterator, Callable

T = TypeVar("T")


class Comparable(Protocol):
    def __lt__(self, other) -> bool: ...


class Stack(Generic[T]):
    def __init__(self) -> None:
        self._items: list[T] = []

    def push(self, item: T) -> None:
        self._items.append(item)

    def pop(self) -> T:
        return self._items.pop()

    def __iter__(self) -> Iterator[T]:
        return reversed(self._items)

    def __len__(self) -> int:
        return len(self._items)


def first[U](xs: list[U]) -> U:
    return xs[0]


type Pair = tuple[int, int]


def apply(f: Callable[[int], int], xs: list[int]) -> list[int]:
    return [f(x) for x in xs if x % 2 == 0]


s: Stack[int] = Stack()
for i in range(5):
    s.push(i)
print(list(s), first([3, 2]), apply(lambda v: v * v, list(range(10))))
