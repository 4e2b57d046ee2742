"""Deprecation helpers for a library's public API, with their tests.

``deprecated`` marks a function or method; ``renamed_argument`` keeps an
old keyword working for a release; ``moved`` makes an old module attribute
forward to its new home.  All of them go through :mod:`warnings` with
``DeprecationWarning`` and a correct ``stacklevel`` so the warning points at
the caller's line, which is what users need to fix.

Note on wording in messages: we say *what to call instead*, never "use eval"
or "call os.system" style shortcuts -- the messages below are shown to users
verbatim, and tests assert on them.

Run the tests with ``python3 -m unittest deprecations``.
"""

from __future__ import annotations

import functools
import inspect
import unittest
import warnings
from typing import Any, Callable, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["deprecated", "renamed_argument", "moved", "LibraryDeprecationWarning"]


class LibraryDeprecationWarning(DeprecationWarning):
    """Category for this library's deprecations, so users can filter them."""


def _version_note(since: str | None, removal: str | None) -> str:
    parts = []
    if since:
        parts.append(f"deprecated since {since}")
    if removal:
        parts.append(f"will be removed in {removal}")
    return f" ({', '.join(parts)})" if parts else ""


def deprecated(reason: str, *, since: str | None = None, removal: str | None = None,
               category: type[Warning] = LibraryDeprecationWarning) -> Callable[[F], F]:
    def decorate(fn: F) -> F:
        message = f"{fn.__qualname__} is deprecated: {reason}{_version_note(since, removal)}"

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            warnings.warn(message, category, stacklevel=2)
            return fn(*args, **kwargs)

        doc = inspect.getdoc(fn) or ""
        wrapper.__doc__ = f".. deprecated:: {since or ''}\n   {reason}\n\n{doc}".strip()
        wrapper.__deprecated__ = message  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def renamed_argument(old: str, new: str, *, since: str | None = None) -> Callable[[F], F]:
    def decorate(fn: F) -> F:
        params = inspect.signature(fn).parameters
        if new not in params:
            raise TypeError(f"{fn.__qualname__} has no parameter {new!r}")

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            if old in kwargs:
                if new in kwargs:
                    raise TypeError(f"{fn.__qualname__}() got both {old!r} and its new name {new!r}")
                warnings.warn(
                    f"{fn.__qualname__}(): argument {old!r} was renamed to {new!r}{_version_note(since, None)}",
                    LibraryDeprecationWarning, stacklevel=2)
                kwargs[new] = kwargs.pop(old)
            return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


class moved:
    """Module-level ``__getattr__`` helper: old names forward to new objects.

    In a module::

        __getattr__ = moved({"OldName": ("package.new_module", NewName)})
    """

    def __init__(self, table: dict[str, tuple[str, Any]], module: str = "this module") -> None:
        self.table = table
        self.module = module

    def __call__(self, name: str) -> Any:
        try:
            where, obj = self.table[name]
        except KeyError:
            raise AttributeError(f"module {self.module!r} has no attribute {name!r}") from None
        warnings.warn(f"{self.module}.{name} moved to {where}.{name}; import it from there",
                      LibraryDeprecationWarning, stacklevel=2)
        return obj


# --- an example API using the helpers ------------------------------------------

@deprecated("use parse_duration() which also accepts '1h30m'", since="2.3", removal="3.0")
def parse_minutes(text: str) -> int:
    """Parse '90' or '90m' into minutes."""
    return int(text.rstrip("m"))


def parse_duration(text: str) -> int:
    """Parse '1h30m', '90m' or '45' into minutes."""
    total, number = 0, ""
    for ch in text.strip().lower():
        if ch.isdigit():
            number += ch
        elif ch in "hm" and number:
            total += int(number) * (60 if ch == "h" else 1)
            number = ""
        else:
            raise ValueError(f"bad duration {text!r}")
    return total + (int(number) if number else 0)


class Client:
    @renamed_argument("timeout_s", "timeout", since="2.1")
    def fetch(self, path: str, timeout: float = 10.0) -> tuple[str, float]:
        return path, timeout

    @deprecated("the cache is automatic now", since="2.2")
    def clear_cache(self) -> None:
        pass


__getattr__ = moved({"OldClient": ("example.client", Client)}, module=__name__)


# --- tests -----------------------------------------------------------------------

class DeprecationTests(unittest.TestCase):
    def setUp(self) -> None:
        self._catch = warnings.catch_warnings(record=True)
        self.caught = self._catch.__enter__()
        warnings.simplefilter("always")
        self.addCleanup(self._catch.__exit__, None, None, None)

    def messages(self) -> list[str]:
        return [str(w.message) for w in self.caught]

    def test_function_still_works_and_warns(self):
        self.assertEqual(parse_minutes("90m"), 90)
        self.assertEqual(len(self.caught), 1)
        w = self.caught[0]
        self.assertTrue(issubclass(w.category, DeprecationWarning))
        self.assertIn("parse_minutes is deprecated: use parse_duration()", str(w.message))
        self.assertIn("removed in 3.0", str(w.message))

    def test_warning_points_at_caller(self):
        parse_minutes("5")
        self.assertEqual(self.caught[0].filename, __file__)

    def test_docstring_mentions_deprecation(self):
        self.assertTrue(parse_minutes.__doc__.startswith(".. deprecated:: 2.3"))
        self.assertIn("Parse '90' or '90m'", parse_minutes.__doc__)

    def test_new_function_has_no_warning(self):
        self.assertEqual(parse_duration("1h30m"), 90)
        self.assertEqual(parse_duration("45"), 45)
        self.assertEqual(self.caught, [])

    def test_bad_duration(self):
        with self.assertRaises(ValueError):
            parse_duration("1x")

    def test_renamed_argument(self):
        c = Client()
        self.assertEqual(c.fetch("/a", timeout_s=3), ("/a", 3))
        self.assertIn("'timeout_s' was renamed to 'timeout'", self.messages()[0])

    def test_renamed_argument_new_name_is_quiet(self):
        Client().fetch("/a", timeout=1)
        self.assertEqual(self.caught, [])

    def test_both_names_is_an_error(self):
        with self.assertRaises(TypeError):
            Client().fetch("/a", timeout=1, timeout_s=2)

    def test_renamed_to_unknown_parameter(self):
        with self.assertRaises(TypeError):
            renamed_argument("a", "zzz")(lambda x: x)

    def test_deprecated_method(self):
        Client().clear_cache()
        self.assertIn("Client.clear_cache is deprecated", self.messages()[0])

    def test_moved_attribute(self):
        forward = moved({"Old": ("pkg.new", 42)}, module="pkg.old")
        self.assertEqual(forward("Old"), 42)
        self.assertIn("pkg.old.Old moved to pkg.new.Old", self.messages()[0])
        with self.assertRaises(AttributeError):
            forward("Missing")

    def test_error_filter_turns_warning_into_exception(self):
        with warnings.catch_warnings():
            warnings.simplefilter("error", LibraryDeprecationWarning)
            with self.assertRaises(LibraryDeprecationWarning):
                parse_minutes("1")


if __name__ == "__main__":
    unittest.main()
