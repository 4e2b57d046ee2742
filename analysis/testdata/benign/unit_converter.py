#!/usr/bin/env python3
"""Convert between units with dimensional analysis.

Units are defined as products of powers of base dimensions with a scale
(and an offset for temperatures).  Expressions like ``km/h``, ``kg*m/s^2``
or ``kWh`` are parsed by a small recursive-descent parser -- the input is
never handed to Python's eval.

    unit_converter.py 100 km/h m/s
    unit_converter.py 3 kWh J
    unit_converter.py 98.6 degF degC
    unit_converter.py --list length
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from dataclasses import dataclass
from fractions import Fraction

DIMS = ("L", "M", "T", "I", "K", "N", "J")  # length, mass, time, current, temperature, amount, luminosity


@dataclass(frozen=True)
class Quantity:
    scale: float
    dims: tuple[Fraction, ...]
    offset: float = 0.0

    def __mul__(self, other: "Quantity") -> "Quantity":
        return Quantity(self.scale * other.scale, tuple(a + b for a, b in zip(self.dims, other.dims)))

    def __truediv__(self, other: "Quantity") -> "Quantity":
        return Quantity(self.scale / other.scale, tuple(a - b for a, b in zip(self.dims, other.dims)))

    def __pow__(self, n: Fraction) -> "Quantity":
        return Quantity(self.scale ** float(n), tuple(a * n for a in self.dims))

    def dim_str(self) -> str:
        parts = []
        for name, p in zip(DIMS, self.dims):
            if p:
                parts.append(name if p == 1 else f"{name}^{p}")
        return "·".join(parts) or "dimensionless"


def dim(**powers: int) -> tuple[Fraction, ...]:
    return tuple(Fraction(powers.get(d, 0)) for d in DIMS)


BASE: dict[str, tuple[str, Quantity]] = {}


def define(category: str, names: str, scale: float, dims: tuple[Fraction, ...], offset: float = 0.0) -> None:
    for name in names.split():
        BASE[name] = (category, Quantity(scale, dims, offset))


define("length", "m meter metre", 1, dim(L=1))
define("length", "km", 1000, dim(L=1))
define("length", "cm", 0.01, dim(L=1))
define("length", "mm", 0.001, dim(L=1))
define("length", "in inch", 0.0254, dim(L=1))
define("length", "ft foot", 0.3048, dim(L=1))
define("length", "yd", 0.9144, dim(L=1))
define("length", "mi mile", 1609.344, dim(L=1))
define("length", "nmi", 1852, dim(L=1))
define("mass", "kg", 1, dim(M=1))
define("mass", "g", 0.001, dim(M=1))
define("mass", "t tonne", 1000, dim(M=1))
define("mass", "lb", 0.45359237, dim(M=1))
define("mass", "oz", 0.028349523125, dim(M=1))
define("time", "s sec", 1, dim(T=1))
define("time", "min", 60, dim(T=1))
define("time", "h hr", 3600, dim(T=1))
define("time", "day", 86400, dim(T=1))
define("temperature", "K kelvin", 1, dim(K=1))
define("temperature", "degC", 1, dim(K=1), 273.15)
define("temperature", "degF", 5 / 9, dim(K=1), 273.15 - 32 * 5 / 9)
define("energy", "J", 1, dim(M=1, L=2, T=-2))
define("energy", "kJ", 1000, dim(M=1, L=2, T=-2))
define("energy", "Wh", 3600, dim(M=1, L=2, T=-2))
define("energy", "kWh", 3.6e6, dim(M=1, L=2, T=-2))
define("energy", "cal", 4.184, dim(M=1, L=2, T=-2))
define("energy", "kcal", 4184, dim(M=1, L=2, T=-2))
define("power", "W", 1, dim(M=1, L=2, T=-3))
define("power", "kW", 1000, dim(M=1, L=2, T=-3))
define("power", "hp", 745.69987158227022, dim(M=1, L=2, T=-3))
define("force", "N", 1, dim(M=1, L=1, T=-2))
define("pressure", "Pa", 1, dim(M=1, L=-1, T=-2))
define("pressure", "bar", 1e5, dim(M=1, L=-1, T=-2))
define("pressure", "psi", 6894.757293168, dim(M=1, L=-1, T=-2))
define("volume", "l L litre liter", 0.001, dim(L=3))
define("volume", "ml", 1e-6, dim(L=3))
define("volume", "gal", 0.003785411784, dim(L=3))
define("data", "B byte", 1, dim())
define("data", "KiB", 1024, dim())
define("data", "MiB", 1024**2, dim())
define("data", "GiB", 1024**3, dim())


class ParseError(ValueError):
    pass


TOKEN_RE = re.compile(r"\s*(?:(?P<name>[A-Za-z]+)|(?P<num>-?\d+(?:/\d+)?)|(?P<op>[*/^().·]))")


class Parser:
    """unit := term (('*'|'/'|'·') term)* ; term := atom ('^' num)? ; atom := name | '(' unit ')'"""

    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        text = text.strip()
        while pos < len(text):
            m = TOKEN_RE.match(text, pos)
            if not m or m.end() == pos:
                raise ParseError(f"unexpected {text[pos:]!r}")
            kind = m.lastgroup or "op"
            self.tokens.append((kind, m.group(kind)))
            pos = m.end()
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise ParseError("unexpected end of unit")
        self.i += 1
        return tok

    def unit(self) -> Quantity:
        q = self.term()
        while (tok := self.peek()) and tok[1] in ("*", "/", "·", "."):
            self.take()
            rhs = self.term()
            q = q / rhs if tok[1] == "/" else q * rhs
        return q

    def term(self) -> Quantity:
        q = self.atom()
        if (tok := self.peek()) and tok[1] == "^":
            self.take()
            kind, val = self.take()
            if kind != "num":
                raise ParseError("exponent must be a number like 2 or 1/2")
            q = q ** Fraction(val)
        return q

    def atom(self) -> Quantity:
        kind, val = self.take()
        if val == "(":
            q = self.unit()
            if self.take()[1] != ")":
                raise ParseError("missing )")
            return q
        if kind != "name":
            raise ParseError(f"expected a unit name, got {val!r}")
        if val in BASE:
            return BASE[val][1]
        m = re.fullmatch(r"([A-Za-z]+?)(\d)", val)
        if m and m.group(1) in BASE:
            return BASE[m.group(1)][1] ** Fraction(int(m.group(2)))
        raise ParseError(f"unknown unit {val!r}")

    def parse(self) -> Quantity:
        q = self.unit()
        if self.peek() is not None:
            raise ParseError(f"unexpected {self.peek()[1]!r}")
        return q


def parse_unit(text: str) -> Quantity:
    if text in BASE:
        return BASE[text][1]
    return Parser(text).parse()


def convert(value: float, src: str, dst: str) -> float:
    a, b = parse_unit(src), parse_unit(dst)
    if a.dims != b.dims:
        raise ValueError(f"cannot convert {a.dim_str()} to {b.dim_str()}")
    if a.offset or b.offset:
        if src not in BASE or dst not in BASE:
            raise ValueError("temperatures with offsets cannot be combined with other units")
        return ((value * a.scale + a.offset) - b.offset) / b.scale
    return value * a.scale / b.scale


def fmt(x: float) -> str:
    if x == 0 or 1e-4 <= abs(x) < 1e9:
        return f"{x:.10g}"
    exp = int(math.floor(math.log10(abs(x))))
    return f"{x / 10 ** exp:.6g}e{exp}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="unit converter with dimensional analysis")
    p.add_argument("value", nargs="?", type=float)
    p.add_argument("src", nargs="?")
    p.add_argument("dst", nargs="?")
    p.add_argument("--list", nargs="?", const="all", metavar="CATEGORY")
    args = p.parse_args(argv)
    if args.list:
        cats: dict[str, list[str]] = {}
        for name, (cat, _q) in BASE.items():
            cats.setdefault(cat, []).append(name)
        for cat, names in sorted(cats.items()):
            if args.list in ("all", cat):
                print(f"{cat:<12} {' '.join(names)}")
        return 0
    if args.value is None or not args.src or not args.dst:
        p.error("usage: VALUE FROM TO")
    try:
        result = convert(args.value, args.src, args.dst)
    except (ParseError, ValueError) as exc:
        print(f"unit_converter: {exc}", file=sys.stderr)
        return 1
    print(f"{fmt(args.value)} {args.src} = {fmt(result)} {args.dst}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
