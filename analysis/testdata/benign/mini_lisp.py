#!/usr/bin/env python3
"""A small Lisp interpreter (a teaching toy, after Norvig's lis.py).

The reader turns text into nested lists; ``Interpreter.eval`` walks them.
Nothing here touches Python's own eval/exec: Lisp code can only call the
procedures placed in the global environment below, so ``(system "ls")`` is
just an unbound symbol.

    $ mini_lisp.py
    lisp> (define (fact n) (if (< n 2) 1 (* n (fact (- n 1)))))
    lisp> (fact 20)
    2432902008176640000
"""

from __future__ import annotations

import math
import operator as op
import sys
from dataclasses import dataclass
from typing import Any, Callable

Symbol = str
Atom = int | float | str
Expr = Atom | list


class LispError(Exception):
    pass


@dataclass(frozen=True)
class String:
    value: str

    def __str__(self) -> str:
        return self.value


def tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch == ";":
            while i < len(text) and text[i] != "\n":
                i += 1
        elif ch in "()'":
            tokens.append(ch)
            i += 1
        elif ch == '"':
            j = i + 1
            buf = []
            while j < len(text) and text[j] != '"':
                if text[j] == "\\" and j + 1 < len(text):
                    j += 1
                    buf.append({"n": "\n", "t": "\t"}.get(text[j], text[j]))
                else:
                    buf.append(text[j])
                j += 1
            if j >= len(text):
                raise LispError("unterminated string")
            tokens.append('"' + "".join(buf))
            i = j + 1
        else:
            j = i
            while j < len(text) and not text[j].isspace() and text[j] not in "()';":
                j += 1
            tokens.append(text[i:j])
            i = j
    return tokens


def read_from(tokens: list[str]) -> Expr:
    if not tokens:
        raise LispError("unexpected end of input")
    tok = tokens.pop(0)
    if tok == "(":
        out = []
        while tokens and tokens[0] != ")":
            out.append(read_from(tokens))
        if not tokens:
            raise LispError("missing )")
        tokens.pop(0)
        return out
    if tok == ")":
        raise LispError("unexpected )")
    if tok == "'":
        return ["quote", read_from(tokens)]
    return atom(tok)


def atom(tok: str) -> Any:
    if tok.startswith('"'):
        return String(tok[1:])
    if tok == "#t":
        return True
    if tok == "#f":
        return False
    try:
        return int(tok)
    except ValueError:
        pass
    try:
        return float(tok)
    except ValueError:
        return Symbol(tok)


def read_all(text: str) -> list[Expr]:
    tokens = tokenize(text)
    exprs = []
    while tokens:
        exprs.append(read_from(tokens))
    return exprs


class Env(dict):
    def __init__(self, params=(), args=(), outer: "Env | None" = None) -> None:
        super().__init__()
        if len(params) != len(args):
            raise LispError(f"expected {len(params)} argument(s), got {len(args)}")
        self.update(zip(params, args))
        self.outer = outer

    def find(self, name: Symbol) -> "Env":
        env: Env | None = self
        while env is not None:
            if name in env:
                return env
            env = env.outer
        raise LispError(f"unbound symbol: {name}")


@dataclass
class Procedure:
    params: list[Symbol]
    body: list[Expr]
    env: Env
    interp: "Interpreter"
    name: str = "lambda"

    def __call__(self, *args):
        env = Env(self.params, args, self.env)
        result = None
        for expr in self.body:
            result = self.interp.eval(expr, env)
        return result


def standard_env() -> Env:
    env = Env()
    env.update(vars(math) | {
        "+": lambda *a: sum(a), "-": lambda a, b=None: -a if b is None else a - b,
        "*": lambda *a: math.prod(a), "/": op.truediv, "quotient": op.floordiv,
        "<": op.lt, ">": op.gt, "<=": op.le, ">=": op.ge, "=": op.eq,
        "abs": abs, "append": lambda *ls: [x for l in ls for x in l],
        "car": lambda x: x[0], "cdr": lambda x: x[1:], "cons": lambda x, y: [x] + list(y),
        "list": lambda *x: list(x), "length": len, "null?": lambda x: x == [],
        "number?": lambda x: isinstance(x, (int, float)) and not isinstance(x, bool),
        "symbol?": lambda x: isinstance(x, str), "procedure?": callable,
        "map": lambda f, xs: [f(x) for x in xs], "filter": lambda f, xs: [x for x in xs if f(x)],
        "max": max, "min": min, "not": op.not_, "eq?": op.is_, "equal?": op.eq,
        "display": lambda x: print(to_string(x), end=""), "newline": lambda: print(),
        "string-append": lambda *s: String("".join(str(x) for x in s)),
    })
    return env


class Interpreter:
    MAX_DEPTH = 400

    def __init__(self) -> None:
        self.global_env = standard_env()
        self.depth = 0

    def eval(self, x: Expr, env: Env | None = None) -> Any:
        """Evaluate a Lisp expression (this is Lisp's eval, not Python's)."""
        env = env if env is not None else self.global_env
        self.depth += 1
        try:
            if self.depth > self.MAX_DEPTH:
                raise LispError("recursion too deep")
            return self._eval(x, env)
        finally:
            self.depth -= 1

    def _eval(self, x: Expr, env: Env) -> Any:
        while True:
            if isinstance(x, str):
                return env.find(x)[x]
            if not isinstance(x, list):
                return x
            if not x:
                return []
            head, *rest = x
            if head == "quote":
                return rest[0]
            if head == "if":
                test, conseq, alt = (rest + [False])[:3]
                x = conseq if self.eval(test, env) is not False else alt
                continue
            if head == "define":
                target, *body = rest
                if isinstance(target, list):
                    name, *params = target
                    env[name] = Procedure(params, body, env, self, name)
                else:
                    env[target] = self.eval(body[0], env)
                return None
            if head == "set!":
                name, value = rest
                env.find(name)[name] = self.eval(value, env)
                return None
            if head == "lambda":
                params, *body = rest
                return Procedure(params, body, env, self)
            if head == "begin":
                for expr in rest[:-1]:
                    self.eval(expr, env)
                x = rest[-1]
                continue
            if head == "let":
                bindings, *body = rest
                names = [b[0] for b in bindings]
                values = [self.eval(b[1], env) for b in bindings]
                env = Env(names, values, env)
                x = ["begin", *body]
                continue
            proc = self.eval(head, env)
            args = [self.eval(arg, env) for arg in rest]
            if isinstance(proc, Procedure):
                env = Env(proc.params, args, proc.env)
                x = ["begin", *proc.body]
                continue
            if not callable(proc):
                raise LispError(f"not a procedure: {to_string(proc)}")
            try:
                return proc(*args)
            except (TypeError, ValueError, ZeroDivisionError, IndexError) as exc:
                raise LispError(f"{to_string(head)}: {exc}") from None

    def run(self, text: str) -> Any:
        result = None
        for expr in read_all(text):
            result = self.eval(expr)
        return result


def to_string(x: Any) -> str:
    if x is True:
        return "#t"
    if x is False:
        return "#f"
    if isinstance(x, String):
        return '"' + x.value.replace('"', '\\"') + '"'
    if isinstance(x, list):
        return "(" + " ".join(map(to_string, x)) + ")"
    if isinstance(x, Procedure):
        return f"#<procedure {x.name}>"
    return str(x)


PRELUDE = """
(define (fib n) (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))
(define (range a b) (if (>= a b) '() (cons a (range (+ a 1) b))))
(define (sum xs) (if (null? xs) 0 (+ (car xs) (sum (cdr xs)))))
"""


def repl(interp: Interpreter) -> None:
    buffer = ""
    while True:
        try:
            line = input("lisp> " if not buffer else "  ... ")
        except EOFError:
            print()
            return
        buffer += line + "\n"
        if buffer.count("(") > buffer.count(")"):
            continue
        try:
            value = interp.run(buffer)
            if value is not None:
                print(to_string(value))
        except LispError as exc:
            print(f"error: {exc}")
        buffer = ""


def main(argv: list[str]) -> int:
    interp = Interpreter()
    interp.run(PRELUDE)
    if len(argv) > 1:
        with open(argv[1], encoding="utf-8") as fh:
            try:
                interp.run(fh.read())
            except LispError as exc:
                print(f"{argv[1]}: error: {exc}", file=sys.stderr)
                return 1
        return 0
    repl(interp)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
