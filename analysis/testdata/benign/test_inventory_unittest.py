"""unittest suite for an order-pricing module (inlined) and its CLI.

Covers discounts, tax rounding, a JSON price list, the command line entry
point (run as a child interpreter with a constant argument list), and the
behaviour with a mocked clock.  Run with ``python3 -m unittest -v``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import io
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest
from contextlib import redirect_stdout
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from unittest import mock

CENT = Decimal("0.01")


# --- code under test -----------------------------------------------------------

@dataclass(frozen=True)
class Line:
    sku: str
    qty: int
    unit_price: Decimal


class PricingError(ValueError):
    pass


def load_prices(path: Path) -> dict[str, Decimal]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    try:
        return {sku: Decimal(str(price)) for sku, price in raw.items()}
    except decimal.InvalidOperation as exc:
        raise PricingError(f"bad price in {path}") from exc


def today() -> dt.date:
    return dt.date.today()


def discount_rate(subtotal: Decimal, coupon: str | None) -> Decimal:
    rate = Decimal("0")
    if subtotal >= Decimal("500"):
        rate = Decimal("0.05")
    if coupon == "SPRING10" and today().month in (3, 4, 5):
        rate = max(rate, Decimal("0.10"))
    elif coupon and coupon != "SPRING10":
        raise PricingError(f"unknown coupon {coupon!r}")
    return rate


def total(lines: list[Line], tax_rate: Decimal, coupon: str | None = None) -> dict[str, Decimal]:
    if any(l.qty <= 0 for l in lines):
        raise PricingError("quantities must be positive")
    subtotal = sum((l.unit_price * l.qty for l in lines), Decimal("0"))
    discount = (subtotal * discount_rate(subtotal, coupon)).quantize(CENT, decimal.ROUND_HALF_UP)
    taxed = subtotal - discount
    tax = (taxed * tax_rate).quantize(CENT, decimal.ROUND_HALF_UP)
    return {"subtotal": subtotal, "discount": discount, "tax": tax, "total": taxed + tax}


def cli(argv: list[str], prices: dict[str, Decimal]) -> int:
    lines = []
    for arg in argv:
        sku, _, qty = arg.partition("=")
        if sku not in prices:
            print(f"unknown sku {sku}")
            return 2
        lines.append(Line(sku, int(qty or 1), prices[sku]))
    result = total(lines, Decimal("0.2"))
    for k, v in result.items():
        print(f"{k:>9}: {v:>10}")
    return 0


CLI_SOURCE = textwrap.dedent("""
    import json, sys
    from decimal import Decimal
    prices = {"A": Decimal("2.50"), "B": Decimal("10")}
    total = sum(prices[a.split("=")[0]] * int(a.split("=")[1]) for a in sys.argv[1:])
    print(json.dumps({"total": str(total)}))
""")


# --- tests ---------------------------------------------------------------------

class TotalTests(unittest.TestCase):
    def setUp(self) -> None:
        self.lines = [Line("A", 2, Decimal("19.99")), Line("B", 1, Decimal("5.00"))]

    def test_no_discount_below_threshold(self):
        r = total(self.lines, Decimal("0.2"))
        self.assertEqual(r["subtotal"], Decimal("44.98"))
        self.assertEqual(r["discount"], Decimal("0.00"))
        self.assertEqual(r["tax"], Decimal("9.00"))
        self.assertEqual(r["total"], Decimal("53.98"))

    def test_volume_discount(self):
        r = total([Line("X", 10, Decimal("60"))], Decimal("0"))
        self.assertEqual(r["discount"], Decimal("30.00"))

    def test_rounding_half_up(self):
        r = total([Line("C", 1, Decimal("0.125"))], Decimal("0.2"))
        self.assertEqual(r["tax"], Decimal("0.03"))

    def test_rejects_zero_quantity(self):
        with self.assertRaises(PricingError):
            total([Line("A", 0, Decimal("1"))], Decimal("0"))

    def test_unknown_coupon(self):
        with self.assertRaisesRegex(PricingError, "unknown coupon"):
            total(self.lines, Decimal("0"), coupon="FREE")

    @mock.patch(f"{__name__}.today", return_value=dt.date(2024, 4, 2))
    def test_spring_coupon_in_season(self, _today):
        r = total(self.lines, Decimal("0"), coupon="SPRING10")
        self.assertEqual(r["discount"], Decimal("4.50"))

    @mock.patch(f"{__name__}.today", return_value=dt.date(2024, 9, 2))
    def test_spring_coupon_out_of_season(self, _today):
        r = total(self.lines, Decimal("0"), coupon="SPRING10")
        self.assertEqual(r["discount"], Decimal("0.00"))

    def test_subtests_for_many_quantities(self):
        for qty in (1, 3, 7, 11):
            with self.subTest(qty=qty):
                r = total([Line("A", qty, Decimal("1.10"))], Decimal("0"))
                self.assertEqual(r["total"], Decimal("1.10") * qty)


class PriceFileTests(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.dir = Path(self.tmp.name)

    def write(self, data: object) -> Path:
        path = self.dir / "prices.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        return path

    def test_loads_strings_and_numbers(self):
        prices = load_prices(self.write({"A": "2.50", "B": 10, "C": 0.1}))
        self.assertEqual(prices, {"A": Decimal("2.50"), "B": Decimal("10"), "C": Decimal("0.1")})

    def test_bad_price(self):
        with self.assertRaises(PricingError):
            load_prices(self.write({"A": "two fifty"}))

    def test_missing_file(self):
        with self.assertRaises(FileNotFoundError):
            load_prices(self.dir / "nope.json")


class CliTests(unittest.TestCase):
    prices = {"A": Decimal("2.50"), "B": Decimal("10")}

    def run_cli(self, *argv: str) -> tuple[int, str]:
        out = io.StringIO()
        with redirect_stdout(out):
            code = cli(list(argv), self.prices)
        return code, out.getvalue()

    def test_prints_total(self):
        code, out = self.run_cli("A=2", "B=1")
        self.assertEqual(code, 0)
        self.assertIn("total:      18.00", out)

    def test_unknown_sku(self):
        code, out = self.run_cli("Z=1")
        self.assertEqual(code, 2)
        self.assertIn("unknown sku Z", out)

    def test_default_quantity_is_one(self):
        _, out = self.run_cli("B")
        self.assertIn("subtotal:         10", out)


@unittest.skipUnless(sys.executable, "needs a Python interpreter to run the child")
class ChildProcessTests(unittest.TestCase):
    """The script form runs in a child interpreter; the argument list is constant."""

    def test_child_computes_total(self):
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp) / "price_cli.py"
            script.write_text(CLI_SOURCE, encoding="utf-8")
            proc = subprocess.run(
                [sys.executable, str(script), "A=2", "B=3"],
                capture_output=True, text=True, timeout=30, check=False,
                env={**os.environ, "PYTHONIOENCODING": "utf-8"},
            )
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(json.loads(proc.stdout), {"total": "35.00"})

    def test_child_reports_bad_input(self):
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp) / "price_cli.py"
            script.write_text(CLI_SOURCE, encoding="utf-8")
            proc = subprocess.run([sys.executable, str(script), "Q=1"],
                                  capture_output=True, text=True, timeout=30)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("KeyError", proc.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
