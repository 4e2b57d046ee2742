#!/usr/bin/env python3
"""Ordinary least squares regression from a CSV, in pure Python.

Fits y ~ x1 + x2 + ... with an intercept by solving the normal equations
with Gaussian elimination (partial pivoting), and reports coefficients,
standard errors, t statistics, R² and adjusted R², plus residual
diagnostics.  No numpy needed -- handy on locked-down machines.

    linear_regression.py houses.csv --y price --x area --x rooms --x age
    linear_regression.py data.csv --y y --x x --predict 12.5
"""

from __future__ import annotations

import unittest
import argparse
import csv
import math
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

Matrix = list[list[float]]
Vector = list[float]


class SingularMatrix(ValueError):
    pass


def transpose(m: Matrix) -> Matrix:
    return [list(col) for col in zip(*m)]


def matmul(a: Matrix, b: Matrix) -> Matrix:
    bt = transpose(b)
    return [[sum(x * y for x, y in zip(row, col)) for col in bt] for row in a]


def matvec(a: Matrix, v: Vector) -> Vector:
    return [sum(x * y for x, y in zip(row, v)) for row in a]


def solve(a: Matrix, b: Vector) -> Vector:
    n = len(a)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        if abs(m[pivot][col]) < 1e-12:
            raise SingularMatrix(f"column {col} is (nearly) linearly dependent on the others")
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(col + 1, n):
            f = m[r][col] / m[col][col]
            for c in range(col, n + 1):
                m[r][c] -= f * m[col][c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (m[r][n] - sum(m[r][c] * x[c] for c in range(r + 1, n))) / m[r][r]
    return x


def inverse(a: Matrix) -> Matrix:
    n = len(a)
    cols = []
    for i in range(n):
        e = [1.0 if j == i else 0.0 for j in range(n)]
        cols.append(solve(a, e))
    return transpose(cols)


@dataclass
class Fit:
    names: list[str]
    coef: Vector
    stderr: Vector
    r2: float
    adj_r2: float
    sigma: float
    n: int
    residuals: Vector

    def predict(self, xs: Vector) -> float:
        return self.coef[0] + sum(c * x for c, x in zip(self.coef[1:], xs))

    def t_stats(self) -> Vector:
        return [c / s if s else math.inf for c, s in zip(self.coef, self.stderr)]


def ols(rows: list[Vector], y: Vector, names: list[str]) -> Fit:
    n, k = len(rows), len(rows[0]) + 1
    if n <= k:
        raise ValueError(f"need more rows ({n}) than parameters ({k})")
    X = [[1.0, *r] for r in rows]
    Xt = transpose(X)
    XtX = matmul(Xt, X)
    Xty = matvec(Xt, y)
    beta = solve(XtX, Xty)
    fitted = matvec(X, beta)
    resid = [yi - fi for yi, fi in zip(y, fitted)]
    ss_res = sum(r * r for r in resid)
    mean_y = statistics.fmean(y)
    ss_tot = sum((yi - mean_y) ** 2 for yi in y)
    r2 = 1 - ss_res / ss_tot if ss_tot else 1.0
    adj = 1 - (1 - r2) * (n - 1) / (n - k)
    sigma2 = ss_res / (n - k)
    cov = inverse(XtX)
    se = [math.sqrt(max(sigma2 * cov[i][i], 0.0)) for i in range(k)]
    return Fit(["(intercept)", *names], beta, se, r2, adj, math.sqrt(sigma2), n, resid)


def load(path: Path, ycol: str, xcols: list[str]) -> tuple[list[Vector], Vector, int]:
    rows: list[Vector] = []
    ys: Vector = []
    skipped = 0
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in [ycol, *xcols] if c not in (reader.fieldnames or [])]
        if missing:
            raise SystemExit(f"{path}: no column(s) {', '.join(missing)}")
        for rec in reader:
            try:
                xs = [float(rec[c]) for c in xcols]
                yv = float(rec[ycol])
            except (TypeError, ValueError):
                skipped += 1
                continue
            if any(math.isnan(v) for v in (*xs, yv)):
                skipped += 1
                continue
            rows.append(xs)
            ys.append(yv)
    return rows, ys, skipped


def durbin_watson(resid: Vector) -> float:
    num = sum((resid[i] - resid[i - 1]) ** 2 for i in range(1, len(resid)))
    den = sum(r * r for r in resid)
    return num / den if den else float("nan")


def report(fit: Fit, skipped: int) -> str:
    lines = [f"observations: {fit.n} (skipped {skipped})", ""]
    lines.append(f"{'term':<16}{'coef':>14}{'std err':>14}{'t':>10}")
    for name, c, s, t in zip(fit.names, fit.coef, fit.stderr, fit.t_stats()):
        flag = " *" if abs(t) > 2 else ""
        lines.append(f"{name:<16}{c:>14.5g}{s:>14.5g}{t:>10.2f}{flag}")
    lines += [
        "",
        f"R²            {fit.r2:.4f}",
        f"adjusted R²   {fit.adj_r2:.4f}",
        f"residual σ    {fit.sigma:.5g}",
        f"Durbin-Watson {durbin_watson(fit.residuals):.3f}",
        f"residual range [{min(fit.residuals):.4g}, {max(fit.residuals):.4g}]",
        "",
        "* |t| > 2: roughly significant at 5% for large samples",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="OLS regression on a CSV")
    p.add_argument("csv", type=Path)
    p.add_argument("--y", required=True, help="response column")
    p.add_argument("--x", action="append", required=True, help="predictor column (repeat)")
    p.add_argument("--predict", type=float, nargs="+", metavar="X", help="predict for these x values")
    args = p.parse_args(argv)

    rows, ys, skipped = load(args.csv, args.y, args.x)
    try:
        fit = ols(rows, ys, args.x)
    except (SingularMatrix, ValueError) as exc:
        print(f"linear_regression: {exc}", file=sys.stderr)
        return 1
    print(report(fit, skipped))
    if args.predict:
        if len(args.predict) != len(args.x):
            p.error(f"--predict needs {len(args.x)} value(s)")
        print(f"\nprediction at {args.predict}: {fit.predict(args.predict):.5g}")
    return 0


class OlsTests(unittest.TestCase):
    """python3 -m unittest linear_regression"""

    def test_exact_line(self):
        xs = [[float(i)] for i in range(10)]
        ys = [3.0 + 2.0 * i for i in range(10)]
        fit = ols(xs, ys, ["x"])
        self.assertAlmostEqual(fit.coef[0], 3.0)
        self.assertAlmostEqual(fit.coef[1], 2.0)
        self.assertAlmostEqual(fit.r2, 1.0)
        self.assertAlmostEqual(fit.predict([20.0]), 43.0)

    def test_two_predictors(self):
        rows = [[1, 2], [2, 1], [3, 5], [4, 3], [5, 8], [6, 2]]
        ys = [1 + 0.5 * a - 2 * b for a, b in rows]
        fit = ols([[float(a), float(b)] for a, b in rows], ys, ["a", "b"])
        self.assertAlmostEqual(fit.coef[1], 0.5, places=6)
        self.assertAlmostEqual(fit.coef[2], -2.0, places=6)

    def test_collinear_columns(self):
        rows = [[float(i), float(2 * i)] for i in range(6)]
        with self.assertRaises(SingularMatrix):
            ols(rows, [float(i) for i in range(6)], ["a", "b"])

    def test_too_few_rows(self):
        with self.assertRaises(ValueError):
            ols([[1.0], [2.0]], [1.0, 2.0], ["x"])

    def test_inverse(self):
        inv = inverse([[4.0, 7.0], [2.0, 6.0]])
        self.assertAlmostEqual(inv[0][0], 0.6)
        self.assertAlmostEqual(inv[1][0], -0.2)


if __name__ == "__main__":
    sys.exit(main())
