import abc
import enum
import functools


class Color(enum.Enum):
    RED = 1
    GREEN = 2


class Shape(abc.ABC):
    @abc.abstractmethod
    def area(self) -> float: ...

    def __repr__(self):
        return f"{type(self).__name__}(area={self.area():.2f})"


class Circle(Shape):
    def __init__(self, r):
        super().__init__()
        self.r = r

    @functools.cached_property
    def diameter(self):
        return 2 * self.r

    def area(self):
        return 3.14159 * self.r ** 2


class Square(Shape):
    __slots__ = ("side",)

    def __init__(self, side):
        self.side = side

    def area(self):
        return self.side * self.side

    def __eq__(self, other):
        return isinstance(other, Square) and other.side == self.side


shapes = sorted([Circle(1), Square(2)], key=lambda s: s.area())
print(shapes, Color.RED, getattr(shapes[0], "r", None))
