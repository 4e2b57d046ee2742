#!/usr/bin/env python3
"""An arithmetic calculator REPL that never calls eval().

Why not eval?  ``eval(input())`` is the classic way to turn a calculator into
a remote shell: ``__import__('os').system('...')`` is a valid "expression".
Instead this module parses the line with :mod:`ast` and walks the tree,
allowing only numbers, a handful of operators, named constants and a fixed
table of math functions.  Variables can be assigned with ``let x = ...``.

    $ safe_calculator.py
    calc> let r = 2.5
    calc> pi * r ** 2
    19.634954084936208
"""

from __future__ import annotations

import ast
import math
import operator
import readline  # noqa: F401  (line editing for input())
import sys
from fractions import Fraction
from typing import Callable, Union

Number = Union[int, float, Fraction]

BIN_OPS: dict[type, Callable[[Number, Number], Number]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
UNARY_OPS: dict[type, Callable[[Number], Number]] = {
    ast.UAdd: operator.pos,
    ast.USub: operator.neg,
}
COMPARE_OPS = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
FUNCTIONS: dict[str, Callable[..., Number]] = {
    "sqrt": math.sqrt,
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "log": math.log,
    "log10": math.log10,
    "exp": math.exp,
    "abs": abs,
    "round": round,
    "floor": math.floor,
    "ceil": math.ceil,
    "min": min,
    "max": max,
    "hypot": math.hypot,
    "gcd": math.gcd,
    "factorial": math.factorial,
    "frac": Fraction,
}
CONSTANTS = {"pi": math.pi, "e": math.e, "tau": math.tau, "inf": math.inf}

MAX_EXPONENT = 10_000
MAX_FACTORIAL = 1_000
MAX_DEPTH = 50


class CalcError(Exception):
    pass


class Evaluator:
    """Walks an expression tree; anything not explicitly allowed is an error."""

    def __init__(self) -> None:
        self.variables: dict[str, Number] = {}
        self.last: Number | None = None

    def evaluate(self, text: str) -> Number | None:
        text = text.strip()
        if not text:
            return None
        if text.startswith("let "):
            name, sep, expr = text[4:].partition("=")
            name = name.strip()
            if not sep or not name.isidentifier() or name in CONSTANTS or name in FUNCTIONS:
                raise CalcError("usage: let NAME = EXPRESSION")
            value = self._expr(expr)
            self.variables[name] = value
            return value
        value = self._expr(text)
        self.last = value
        return value

    def _expr(self, text: str) -> Number:
        try:
            tree = ast.parse(text, mode="eval")
        except SyntaxError as exc:
            raise CalcError(f"syntax error at column {exc.offset}") from None
        return self._node(tree.body, 0)

    def _node(self, node: ast.AST, depth: int) -> Number:
        if depth > MAX_DEPTH:
            raise CalcError("expression too deeply nested")
        d = depth + 1
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
                and not isinstance(node.value, bool):
            return node.value
        if isinstance(node, ast.Name):
            if node.id == "_" and self.last is not None:
                return self.last
            if node.id in self.variables:
                return self.variables[node.id]
            if node.id in CONSTANTS:
                return CONSTANTS[node.id]
            raise CalcError(f"unknown name {node.id!r}")
        if isinstance(node, ast.BinOp) and type(node.op) in BIN_OPS:
            left, right = self._node(node.left, d), self._node(node.right, d)
            if isinstance(node.op, ast.Pow) and abs(right) > MAX_EXPONENT:
                raise CalcError("exponent too large")
            try:
                return BIN_OPS[type(node.op)](left, right)
            except ZeroDivisionError:
                raise CalcError("division by zero") from None
            except OverflowError:
                raise CalcError("result too large") from None
        if isinstance(node, ast.UnaryOp) and type(node.op) in UNARY_OPS:
            return UNARY_OPS[type(node.op)](self._node(node.operand, d))
        if isinstance(node, ast.Compare):
            left = self._node(node.left, d)
            for op, comp in zip(node.ops, node.comparators):
                if type(op) not in COMPARE_OPS:
                    raise CalcError("unsupported comparison")
                right = self._node(comp, d)
                if not COMPARE_OPS[type(op)](left, right):
                    return 0
                left = right
            return 1
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                raise CalcError("only the built-in math functions can be called")
            if node.keywords:
                raise CalcError("keyword arguments are not supported")
            args = [self._node(a, d) for a in node.args]
            if node.func.id == "factorial" and args and args[0] > MAX_FACTORIAL:
                raise CalcError("factorial argument too large")
            try:
                return FUNCTIONS[node.func.id](*args)
            except (ValueError, TypeError) as exc:
                raise CalcError(f"{node.func.id}: {exc}") from None
        if isinstance(node, ast.IfExp):
            return self._node(node.body, d) if self._node(node.test, d) else self._node(node.orelse, d)
        raise CalcError(f"{type(node).__name__} is not allowed in an expression")


def format_number(value: Number) -> str:
    if isinstance(value, Fraction):
        return f"{value} (= {float(value):.12g})"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


HELP = """\
operators: + - * / // % **  comparisons: < <= > >= == !=
functions: {funcs}
constants: {consts}
let NAME = EXPR   assign a variable;  _   the last result
vars              list variables;     quit   leave
"""


def repl(ev: Evaluator) -> None:
    while True:
        try:
            line = input("calc> ")
        except (EOFError, KeyboardInterrupt):
            print()
            return
        cmd = line.strip()
        if cmd in ("quit", "exit"):
            return
        if cmd == "help":
            print(HELP.format(funcs=", ".join(sorted(FUNCTIONS)), consts=", ".join(CONSTANTS)))
            continue
        if cmd == "vars":
            for k, v in sorted(ev.variables.items()):
                print(f"  {k} = {format_number(v)}")
            continue
        try:
            value = ev.evaluate(line)
        except CalcError as exc:
            print(f"error: {exc}")
            continue
        if value is not None:
            print(format_number(value))


def self_test() -> None:
    ev = Evaluator()
    cases = {
        "1 + 2 * 3": 7,
        "2 ** 10": 1024,
        "sqrt(16) + abs(-2)": 6.0,
        "frac(1, 3) + frac(1, 6)": Fraction(1, 2),
        "3 if 2 > 1 else 4": 3,
        "max(1, 5, 3)": 5,
    }
    for expr, want in cases.items():
        got = ev.evaluate(expr)
        assert got == want, (expr, got, want)
    for bad in ("__import__('os')", "().__class__", "open('x')", "[1, 2]", "lambda: 1", "2 ** 99999"):
        try:
            ev.evaluate(bad)
        except CalcError:
            continue
        raise AssertionError(f"{bad!r} should have been refused")
    print("self-test passed")


def main(argv: list[str]) -> int:
    ev = Evaluator()
    if argv[1:2] == ["--self-test"]:
        self_test()
        return 0
    if len(argv) > 1:
        try:
            print(format_number(ev.evaluate(" ".join(argv[1:]))))
        except CalcError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        return 0
    repl(ev)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
