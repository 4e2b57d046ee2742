import csv
import statistics
from collections import defaultdict
from datetime import date, datetime


def load(path):
    rows = []
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            row["amount"] = float(row["amount"])
            row["day"] = datetime.strptime(row["day"], "%Y-%m-%d").date()
            rows.append(row)
    return rows


def summarise(rows):
    by_month = defaultdict(list)
    for r in rows:
        by_month[(r["day"].year, r["day"].month)].append(r["amount"])
    return {k: (len(v), sum(v), statistics.mean(v)) for k, v in sorted(by_month.items())}


if __name__ == "__main__":
    today = date.today()
    for (y, m), (n, total, mean) in summarise(load("sales.csv")).items():
        print(f"{y}-{m:02d}: {n} sales, total {total:.2f}, mean {mean:.2f} (as of {today})")
