#!/usr/bin/env python3
"""Create invoices from a JSON order file: numbered, with VAT per line,
rounding rules, a QR-friendly payment reference, and HTML + plain-text
output.  Invoice numbers come from a counter in SQLite so two runs never
reuse a number.

    invoice_builder.py order.json --out invoices/
    invoice_builder.py order.json --dry-run         # preview, no number used
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import sqlite3
import sys
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

CENT = Decimal("0.01")
COUNTER_DB = Path(__file__).resolve().with_name("invoice_counter.sqlite3")
SELLER = {
    "name": "Example Tools GmbH",
    "address": ["Hauptstrasse 1", "8000 Zürich", "Switzerland"],
    "vat_id": "CHE-123.456.789 MWST",
    "iban": "CH93 0076 2011 6238 5295 7",
}
VAT_RATES = {"standard": Decimal("0.081"), "reduced": Decimal("0.026"), "none": Decimal("0")}


class OrderError(ValueError):
    pass


@dataclass
class Line:
    description: str
    quantity: Decimal
    unit_price: Decimal
    vat: str = "standard"
    discount_pct: Decimal = Decimal("0")

    @property
    def net(self) -> Decimal:
        gross = self.quantity * self.unit_price
        return (gross * (1 - self.discount_pct / 100)).quantize(CENT, ROUND_HALF_UP)

    @property
    def vat_amount(self) -> Decimal:
        return (self.net * VAT_RATES[self.vat]).quantize(CENT, ROUND_HALF_UP)


@dataclass
class Invoice:
    number: str
    date: dt.date
    due: dt.date
    customer: dict
    lines: list[Line]
    currency: str = "CHF"
    notes: list[str] = field(default_factory=list)

    @property
    def net_total(self) -> Decimal:
        return sum((l.net for l in self.lines), Decimal("0"))

    def vat_breakdown(self) -> dict[str, tuple[Decimal, Decimal]]:
        out: dict[str, tuple[Decimal, Decimal]] = {}
        for l in self.lines:
            base, tax = out.get(l.vat, (Decimal("0"), Decimal("0")))
            out[l.vat] = (base + l.net, tax + l.vat_amount)
        return out

    @property
    def vat_total(self) -> Decimal:
        return sum((tax for _, tax in self.vat_breakdown().values()), Decimal("0"))

    @property
    def total(self) -> Decimal:
        # Swiss invoices round the payable total to 5 centimes.
        raw = self.net_total + self.vat_total
        return (raw / Decimal("0.05")).quantize(Decimal("1"), ROUND_HALF_UP) * Decimal("0.05")

    def reference(self) -> str:
        digits = "".join(ch for ch in self.number if ch.isdigit()).rjust(26, "0")
        return digits + str(mod10_check(digits))


def mod10_check(digits: str) -> int:
    """Recursive mod-10 check digit used by Swiss payment references."""
    table = [0, 9, 4, 6, 8, 2, 7, 1, 3, 5]
    carry = 0
    for d in digits:
        carry = table[(carry + int(d)) % 10]
    return (10 - carry) % 10


def next_number(year: int, dry_run: bool) -> str:
    if dry_run:
        return f"{year}-DRAFT"
    conn = sqlite3.connect(COUNTER_DB)
    try:
        with conn:
            conn.execute("CREATE TABLE IF NOT EXISTS counter (year INTEGER PRIMARY KEY, last INTEGER NOT NULL)")
            conn.execute("INSERT OR IGNORE INTO counter (year, last) VALUES (?, 0)", (year,))
            conn.execute("UPDATE counter SET last = last + 1 WHERE year = ?", (year,))
            (last,) = conn.execute("SELECT last FROM counter WHERE year = ?", (year,)).fetchone()
    finally:
        conn.close()
    return f"{year}-{last:05d}"


def parse_order(data: dict) -> tuple[dict, list[Line], int, list[str]]:
    try:
        customer = data["customer"]
        if not customer.get("name"):
            raise OrderError("customer.name is required")
        lines = []
        for i, raw in enumerate(data["lines"], 1):
            vat = raw.get("vat", "standard")
            if vat not in VAT_RATES:
                raise OrderError(f"line {i}: unknown VAT class {vat!r}")
            line = Line(str(raw["description"]), Decimal(str(raw["quantity"])),
                        Decimal(str(raw["unit_price"])), vat, Decimal(str(raw.get("discount_pct", 0))))
            if line.quantity <= 0 or line.unit_price < 0 or not 0 <= line.discount_pct <= 100:
                raise OrderError(f"line {i}: quantity, price or discount out of range")
            lines.append(line)
    except (KeyError, TypeError, ArithmeticError) as exc:
        raise OrderError(f"malformed order: {exc}") from None
    if not lines:
        raise OrderError("an invoice needs at least one line")
    return customer, lines, int(data.get("payment_days", 30)), list(data.get("notes", []))


def money(d: Decimal) -> str:
    return f"{d:,.2f}".replace(",", "'")


def render_text(inv: Invoice) -> str:
    out = [f"INVOICE {inv.number}", f"Date {inv.date:%d.%m.%Y}   due {inv.due:%d.%m.%Y}", ""]
    out += [SELLER["name"], *SELLER["address"], f"VAT {SELLER['vat_id']}", ""]
    out += ["Bill to:", inv.customer["name"], *inv.customer.get("address", []), ""]
    out.append(f"{'description':<40}{'qty':>8}{'price':>12}{'net':>12}  vat")
    for l in inv.lines:
        out.append(f"{l.description[:40]:<40}{l.quantity:>8}{money(l.unit_price):>12}{money(l.net):>12}  {l.vat}")
    out.append("")
    out.append(f"{'net total':<60}{money(inv.net_total):>12}")
    for cls, (base, tax) in inv.vat_breakdown().items():
        out.append(f"{'VAT ' + cls + ' ' + str(VAT_RATES[cls] * 100) + '% on ' + money(base):<60}{money(tax):>12}")
    out.append(f"{'TOTAL ' + inv.currency:<60}{money(inv.total):>12}")
    out += ["", f"Pay to {SELLER['iban']}, reference {inv.reference()}", *inv.notes]
    return "\n".join(out) + "\n"


def render_html(inv: Invoice) -> str:
    e = html.escape
    rows = "\n".join(
        f"<tr><td>{e(l.description)}</td><td>{l.quantity}</td><td>{money(l.unit_price)}</td>"
        f"<td>{money(l.net)}</td><td>{e(l.vat)}</td></tr>" for l in inv.lines)
    cust = "<br>".join(e(x) for x in [inv.customer["name"], *inv.customer.get("address", [])])
    notes = "".join(f"<p>{e(n)}</p>" for n in inv.notes)
    return f"""<!doctype html><meta charset=utf-8><title>Invoice {e(inv.number)}</title>
<h1>Invoice {e(inv.number)}</h1><p>{inv.date:%d.%m.%Y}, due {inv.due:%d.%m.%Y}</p>
<address>{cust}</address>
<table border=1 cellpadding=4><tr><th>Description<th>Qty<th>Price<th>Net<th>VAT</tr>
{rows}</table>
<p>Net {money(inv.net_total)} · VAT {money(inv.vat_total)} · <b>Total {e(inv.currency)} {money(inv.total)}</b></p>
<p>IBAN {e(SELLER['iban'])}, reference {inv.reference()}</p>{notes}
"""


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="build an invoice from an order file")
    p.add_argument("order", type=Path)
    p.add_argument("--out", type=Path, default=Path("invoices"))
    p.add_argument("--date", type=dt.date.fromisoformat, default=dt.date.today())
    p.add_argument("--dry-run", action="store_true")
    args = p.parse_args(argv)
    try:
        customer, lines, days, notes = parse_order(json.loads(args.order.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        print(f"invoice_builder: {exc}", file=sys.stderr)
        return 1
    inv = Invoice(next_number(args.date.year, args.dry_run), args.date,
                  args.date + dt.timedelta(days=days), customer, lines, notes=notes)
    if args.dry_run:
        print(render_text(inv))
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{inv.number}.txt").write_text(render_text(inv), encoding="utf-8")
    (args.out / f"{inv.number}.html").write_text(render_html(inv), encoding="utf-8")
    print(f"invoice {inv.number}: {inv.currency} {money(inv.total)} -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
