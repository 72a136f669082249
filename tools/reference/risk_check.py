#!/usr/bin/env python3
"""Independent check of `offtake risk` (MODEL.md §10) against MODEL.md and the reference engine.

Runs `offtake risk FILE --paths N --json --paths-out P` and checks, from the per-path file and
the JSON alone (nothing here reads the Rust sources):

1. Draws: each factor's drawn values follow its `[risk]` distribution as MODEL.md §10 defines
   it (continuous factors by a Kolmogorov-Smirnov distance, whole months by the frequency of
   each month against the rounded law, half away from zero and floored at 0), delays of
   different tranches are uncorrelated, and each `correlation` pair has the rank correlation
   of a Gaussian copula with that parameter, (6/pi)*asin(rho/2).
2. Paths: on K rows spread over the file, `offtake_ref.run` (the pure-Python MODEL.md §1-9)
   at that row's factors gives the row's metrics (1e-6 relative), verdicts, options and equity.
3. Statistics: every figure of the JSON report (n, missing share, mean, sd with n-1,
   P5/P10/P50/P90/P95 by numpy's linear interpolation, min, max, and the probabilities of
   verdicts, IRR below the hurdle, options and equity) recomputed from the file's columns.

Needs pyarrow (`pip install pyarrow`) to read the Parquet file.

Usage: python3 risk_check.py FILE [--bin PATH] [--paths N] [--seed S] [--rows K]
Exit 0 when everything agrees, 1 when anything is flagged (each flag is printed).
"""

import argparse
import bisect
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import tomllib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import offtake_ref  # noqa: E402
import compare  # noqa: E402
from compare import rel  # noqa: E402  (relative difference |a−b|/max(1,|a|,|b|))

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
METRICS = [
    "provider_npv", "provider_irr", "payback_months", "min_dscr", "avg_dscr", "coverage",
    "buyer_npv", "effective_price", "total_payments", "idle_payments",
]
SCALARS = ["demand_factor", "power_factor", "capex_factor"]
STD = statistics.NormalDist()

flags = []


def flag(what):
    flags.append(what)
    print("FLAG  " + what)


# ---------------------------------------------------------------- MODEL.md §10 distributions

def beta_cdf_table(a, b, steps=20000):
    """CDF of Beta(a, b) on a uniform grid of [0, 1], by the trapezoid rule on the density
    (a, b >= 1 here, so the density is bounded) and normalised to end at 1."""
    def pdf(x):
        if x <= 0.0 or x >= 1.0:
            return 0.0 if (x <= 0.0 and a > 1) or (x >= 1.0 and b > 1) else 1.0
        return x ** (a - 1) * (1 - x) ** (b - 1)
    xs = [i / steps for i in range(steps + 1)]
    ys = [pdf(x) for x in xs]
    cum = [0.0]
    for i in range(steps):
        cum.append(cum[-1] + 0.5 * (ys[i] + ys[i + 1]) / steps)
    return xs, [c / cum[-1] for c in cum]


class Law:
    """A MODEL.md §10 distribution: its CDF (continuous), or its values and weights."""

    def __init__(self, spec):
        self.kind = spec["dist"]
        # Parameters may be plain numbers or provenance tables {value = …} (MODEL.md §11).
        s = {k: (v if k in ("dist", "values", "weights") else offtake_ref.num(v))
             for k, v in spec.items()}
        if self.kind == "fixed":
            self.points = [(s["value"], 1.0)]
        elif self.kind == "discrete":
            w = [offtake_ref.num(x) for x in s["weights"]]
            merged = {}
            # A value listed twice carries both weights.
            for v, wi in zip(s["values"], w):
                v = offtake_ref.num(v)
                merged[v] = merged.get(v, 0.0) + wi / sum(w)
            self.points = sorted(merged.items())
        elif self.kind == "pert":
            lo, mode, hi = s["min"], s["mode"], s["max"]
            a = 1 + 4 * (mode - lo) / (hi - lo)
            b = 1 + 4 * (hi - mode) / (hi - lo)
            self.lo, self.span = lo, hi - lo
            self.grid = beta_cdf_table(a, b)
        self.s = s

    @property
    def continuous(self):
        return self.kind not in ("fixed", "discrete")

    def cdf(self, x):
        s, k = self.s, self.kind
        if k == "uniform":
            lo, hi = s["min"], s["max"]
            return min(1.0, max(0.0, (x - lo) / (hi - lo)))
        if k == "triangular":
            a, c, b = s["min"], s["mode"], s["max"]
            if x <= a:
                return 0.0
            if x >= b:
                return 1.0
            if x <= c:
                return (x - a) ** 2 / ((b - a) * (c - a))
            return 1 - (b - x) ** 2 / ((b - a) * (b - c))
        if k == "lognormal":
            if x <= 0:
                return 0.0
            return STD.cdf((math.log(x) - math.log(s["median"])) / s["sigma"])
        if k == "normal":
            m, sd = s["mean"], s["sd"]
            lo = s.get("min", -math.inf)
            hi = s.get("max", math.inf)
            f = lambda v: STD.cdf((v - m) / sd) if math.isfinite(v) else (0.0 if v < 0 else 1.0)
            if x <= lo:
                return 0.0
            if x >= hi:
                return 1.0
            return (f(x) - f(lo)) / (f(hi) - f(lo))
        if k == "pert":
            u = (x - self.lo) / self.span
            if u <= 0:
                return 0.0
            if u >= 1:
                return 1.0
            xs, cs = self.grid
            i = min(int(u * (len(xs) - 1)), len(xs) - 2)
            t = u * (len(xs) - 1) - i
            return cs[i] + t * (cs[i + 1] - cs[i])
        if k in ("fixed", "discrete"):
            return sum(p for v, p in self.points if v <= x)
        raise ValueError(f"unknown distribution {k}")

    def months_pmf(self):
        """P(M = m) for the whole months M = max(0, round half away from zero of X)."""
        def rounded(v):
            return max(0, int(math.copysign(math.floor(abs(v) + 0.5), v)))
        pmf = {}
        if not self.continuous:
            for v, p in self.points:
                pmf[rounded(v)] = pmf.get(rounded(v), 0.0) + p
            return pmf
        m = 0
        while True:
            p = self.cdf(m + 0.5) - (self.cdf(m - 0.5) if m > 0 else 0.0)
            if p > 0:
                pmf[m] = p
            if self.cdf(m + 0.5) >= 1.0 - 1e-15 or m > 10_000:
                return pmf
            m += 1


def ks_distance(values, cdf):
    xs = sorted(values)
    n = len(xs)
    d = 0.0
    for i, x in enumerate(xs):
        f = cdf(x)
        d = max(d, f - i / n, (i + 1) / n - f)
    return d


def ranks(xs):
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    r = [0.0] * len(xs)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and xs[order[j + 1]] == xs[order[i]]:
            j += 1
        for k in range(i, j + 1):
            r[order[k]] = (i + j) / 2
        i = j + 1
    return r


def pearson(a, b):
    ma, mb = math.fsum(a) / len(a), math.fsum(b) / len(b)
    sab = math.fsum((x - ma) * (y - mb) for x, y in zip(a, b))
    saa = math.fsum((x - ma) ** 2 for x in a)
    sbb = math.fsum((y - mb) ** 2 for y in b)
    return sab / math.sqrt(saa * sbb) if saa > 0 and sbb > 0 else 0.0


# ---------------------------------------------------------------- numpy-style statistics

def quantile(sorted_xs, p):
    """numpy.quantile's default (linear): virtual index (n-1)·p."""
    n = len(sorted_xs)
    h = (n - 1) * p
    lo = math.floor(h)
    hi = min(lo + 1, n - 1)
    a, b = sorted_xs[lo], sorted_xs[hi]
    return a + (h - lo) * (b - a)


def summary(values):
    present = [v for v in values if v is not None]
    n = len(present)
    out = dict(n=n, missing=len(values) - n, missing_share=(len(values) - n) / len(values))
    if n == 0:
        return out
    xs = sorted(present)
    mean = math.fsum(xs) / n
    out.update(mean=mean, min=xs[0], max=xs[-1])
    out["sd"] = math.sqrt(math.fsum((x - mean) ** 2 for x in xs) / (n - 1)) if n > 1 else None
    for name, p in [("p5", 0.05), ("p10", 0.10), ("p50", 0.5), ("p90", 0.9), ("p95", 0.95)]:
        out[name] = quantile(xs, p)
    return out


# ---------------------------------------------------------------- the checks

def check_draws(risk, cols, header):
    n = len(cols["path_idx"])
    layout = header["layout"]
    for f in SCALARS:
        xs = cols[f]
        if f not in risk:
            if any(x != 1.0 for x in xs):
                flag(f"{f}: not in [risk] but drawn values differ from 1")
            continue
        law = Law(risk[f])
        if law.continuous:
            d = ks_distance(xs, law.cdf)
            limit = 1.95 / math.sqrt(n)  # Kolmogorov's 0.1 % point
            if d <= limit:
                print(f"ok    draws {f}: KS distance {d:.5f} (limit {limit:.5f})")
            else:
                flag(f"draws {f}: KS distance {d:.5f} > {limit:.5f}")
        else:
            check_frequencies(f, [float(x) for x in xs], {v: p for v, p in law.points}, n)
    spec = risk.get("delay_months")
    for k, tid in enumerate(layout["tranche_ids"]):
        col = cols[f"delay_months_{tid}"]
        if spec is None:
            law = None
        elif "dist" in spec:
            law = Law(spec)
        else:
            law = Law(spec[tid]) if tid in spec else None
        if law is None:
            if any(col):
                flag(f"delay_months_{tid}: no distribution but non-zero months drawn")
            continue
        check_frequencies(f"delay_months_{tid}", col, law.months_pmf(), n)
    slips = risk.get("slip_months", {})
    for g in layout["generation_names"]:
        col = cols[f"slip_months_{g}"]
        if g not in slips:
            if any(col):
                flag(f"slip_months_{g}: no distribution but non-zero months drawn")
            continue
        check_frequencies(f"slip_months_{g}", col, Law(slips[g]).months_pmf(), n)
    correlated = set()
    for a, b, rho in risk.get("correlation", []):
        rho = offtake_ref.num(rho)
        correlated |= {(a, b), (b, a)}
        if a not in risk or b not in risk:
            print(f"      copula {a} ~ {b}: a factor without a distribution, nothing to check")
            continue
        laws = (Law(risk[a]), Law(risk[b]))
        if any(not law.continuous and len(law.points) == 1 for law in laws):
            print(f"      copula {a} ~ {b}: a constant factor has no rank correlation")
            continue
        got = pearson(ranks(cols[a]), ranks(cols[b]))
        if all(law.continuous for law in laws):
            want, how = 6 / math.pi * math.asin(rho / 2), "(6/pi)asin(rho/2)"
        else:
            # Ties lower the rank correlation of a discrete or fixed factor.
            want, how = copula_rank_correlation(laws, rho), "grade correlation with ties"
        # The tolerance at 100,000 draws; wider for small runs.
        limit = max(0.02, 4 / math.sqrt(n))
        line = f"copula {a} ~ {b}: rank correlation {got:.4f}, {how} {want:.4f}"
        if abs(got - want) <= limit:
            print("ok    " + line)
        else:
            flag(line)
    check_independence(cols, n, correlated)


def check_independence(cols, n, correlated):
    """Every two factor columns that vary and are not a `correlation` pair are independent
    (MODEL.md §10: delays drawn independently per tranche; the copula only where listed):
    their rank correlation is within 4 standard errors (1/sqrt(n)) of 0."""
    names = [c for c in cols if c in SCALARS or c.startswith(("delay_months_", "slip_months_"))]
    scores = {}
    for c in names:
        r = ranks(cols[c])
        mean = math.fsum(r) / n
        sd = math.sqrt(math.fsum((x - mean) ** 2 for x in r))
        if sd > 0:
            scores[c] = [(x - mean) / sd for x in r]
    varying = list(scores)
    worst, pairs = 0.0, 0
    for i, a in enumerate(varying):
        for b in varying[i + 1:]:
            if (a, b) in correlated:
                continue
            rho = math.fsum(x * y for x, y in zip(scores[a], scores[b]))
            pairs += 1
            worst = max(worst, abs(rho) * math.sqrt(n))
            if abs(rho) > 4 / math.sqrt(n):
                flag(f"independence: {a} and {b} have rank correlation {rho:.4f}")
    print(f"ok    independence: {pairs} pairs of uncorrelated factors, worst |rank correlation| "
          f"at {worst:.2f} standard errors (limit 4)")


def copula_rank_correlation(laws, rho, steps=20_000):
    """The rank correlation (midranks for ties) that a Gaussian copula with parameter rho gives
    two factors, in the large-sample limit: the grade correlation
    12·E[(G_a − 1/2)(G_b − 1/2)] / sqrt((1 − Σp_a³)(1 − Σp_b³)), where G is a factor's
    mid-distribution function (P(X < x) + P(X = x)/2: the uniform Φ(z) for a continuous factor)
    and p its point masses. Integrated over z1 by the midpoint rule in Φ(z1), with
    z2 | z1 ~ N(rho·z1, 1 − rho²). For two continuous factors it is (6/π)·asin(rho/2)."""
    s = math.sqrt(1 - rho * rho)

    def steps_of(law):
        """Latent thresholds and mid-distribution values of a discrete law, or None."""
        if law.continuous:
            return None
        points = sorted(law.points)
        cum, mids, th = 0.0, [], [-math.inf]
        for _, p in points:
            mids.append(cum + p / 2)
            cum += p
            th.append(STD.inv_cdf(cum) if 0 < cum < 1 else math.inf)
        th[-1] = math.inf
        return th, mids

    a, b = steps_of(laws[0]), steps_of(laws[1])
    total = 0.0
    for i in range(steps):
        u = (i + 0.5) / steps
        z1 = STD.inv_cdf(u)
        if a is None:
            g_a = u
        else:
            th, mids = a
            g_a = mids[bisect.bisect_left(th, z1) - 1]
        if b is None:
            # E[Φ(rho·z1 + s·W)] = Φ(rho·z1 / sqrt(1 + s²)).
            g_b = STD.cdf(rho * z1 / math.sqrt(1 + s * s))
        elif s == 0.0:
            # |rho| = 1: z2 = rho·z1.
            th, mids = b
            g_b = mids[bisect.bisect_left(th, rho * z1) - 1]
        else:
            th, mids = b
            cdf = [0.0 if t == -math.inf else 1.0 if t == math.inf else
                   STD.cdf((t - rho * z1) / s) for t in th]
            g_b = sum((cdf[k + 1] - cdf[k]) * mids[k] for k in range(len(mids)))
        total += (g_a - 0.5) * (g_b - 0.5)
    ties = [sum(p ** 3 for _, p in law.points) if not law.continuous else 0.0 for law in laws]
    return 12 * (total / steps) / math.sqrt((1 - ties[0]) * (1 - ties[1]))


def check_frequencies(name, values, pmf, n):
    counts = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    worst = 0.0
    for v in set(counts) | set(pmf):
        p = pmf.get(v, 0.0)
        f = counts.get(v, 0) / n
        limit = 5 * math.sqrt(max(p * (1 - p), 1e-12) / n) + 1 / n
        worst = max(worst, abs(f - p) / limit)
        if abs(f - p) > limit:
            flag(f"{name}: value {v} drawn {f:.5f} of the time, the law gives {p:.5f}")
    if worst <= 1:
        print(f"ok    draws {name}: {len(pmf)} values, worst |freq - p| at {worst:.2f} of its "
              "5-sigma limit")


def check_paths(sheet, cols, header, rows, model="2.0"):
    layout = header["layout"]
    n = len(cols["path_idx"])
    picked = sorted({round(i * (n - 1) / max(1, rows - 1)) for i in range(rows)})
    worst, before = 0.0, len(flags)
    for r in picked:
        delays = {t: cols[f"delay_months_{t}"][r] for t in layout["tranche_ids"]}
        slips = {g: cols[f"slip_months_{g}"][r] for g in layout["generation_names"]}
        ref = offtake_ref.run(
            sheet,
            demand_factor=cols["demand_factor"][r],
            power_factor=cols["power_factor"][r],
            capex_factor=cols["capex_factor"][r],
            delays=delays,
            slips=slips,
            model=model,
        )
        for m in METRICS:
            a, b = cols[m][r], ref["metrics"][m]
            if (a is None) != (b is None):
                flag(f"path {cols['path_idx'][r]} {m}: offtake {a}, reference {b}")
            elif a is not None:
                d = rel(float(a), float(b))
                worst = max(worst, d)
                if d > 1e-6:
                    flag(f"path {cols['path_idx'][r]} {m}: offtake {a}, reference {b}")
        for v in ("contracted", "financeable", "deliverable"):
            if cols[v][r] != ref["verdicts"][v]:
                flag(f"path {cols['path_idx'][r]} {v}: {cols[v][r]} vs {ref['verdicts'][v]}")
        for k in layout["option_tranches"]:
            tid = layout["tranche_ids"][k]
            if cols[f"option_exercised_{tid}"][r] != ref["options"][tid]:
                flag(f"path {cols['path_idx'][r]} option {tid} differs")
        for e in layout["equity_ids"]:
            if cols[f"equity_paid_{e}"][r] != (ref["equity"][e] is not None):
                flag(f"path {cols['path_idx'][r]} equity {e} differs")
    print(f"{'ok' if len(flags) == before else 'FLAG':5} paths: {len(picked)} rows against the "
          f"reference engine at their factors, worst relative difference {worst:.2e}")


def check_statistics(report, cols, header, hurdle):
    worst, before = 0.0, len(flags)
    for m in METRICS:
        want = summary(cols[m])
        got = report["metrics"][m]
        for key, w in want.items():
            g = got.get(key)
            if w is None or g is None:
                if w != g:
                    flag(f"statistics {m}.{key}: report {g}, recomputed {w}")
                continue
            d = rel(float(g), float(w))
            worst = max(worst, d)
            if d > 1e-9:
                flag(f"statistics {m}.{key}: report {g}, recomputed {w}")
    n = len(cols["path_idx"])
    probs = report["probabilities"]
    for v in ("contracted", "financeable", "deliverable"):
        share = sum(cols[v]) / n
        if rel(probs[v], share) > 1e-12:
            flag(f"P({v}): report {probs[v]}, recomputed {share}")
    irrs = [x for x in cols["provider_irr"] if x is not None]
    # Below the hurdle: not IRR ≥ hurdle under the preamble's 1e-9 relative tolerance.
    below = sum(1 for x in irrs if not offtake_ref.ge_tol(x, hurdle)) / len(irrs) if irrs else None
    if below is not None and rel(probs["irr_below_hurdle"], below) > 1e-12:
        flag(f"P(IRR < hurdle): report {probs['irr_below_hurdle']}, recomputed {below}")
    layout = header["layout"]
    for o in probs["options"]:
        share = sum(cols[f"option_exercised_{o['tranche']}"]) / n
        if rel(o["exercised"], share) > 1e-12:
            flag(f"P(option {o['tranche']}): report {o['exercised']}, recomputed {share}")
    for e in probs["equity"]:
        share = sum(cols[f"equity_paid_{e['id']}"]) / n
        if rel(e["paid"], share) > 1e-12:
            flag(f"P(equity {e['id']}): report {e['paid']}, recomputed {share}")
    assert len(probs["options"]) == len(layout["option_tranches"])
    print(f"{'ok' if len(flags) == before else 'FLAG':5} statistics: {len(METRICS)} metrics and "
          f"every probability recomputed from {n} rows, worst relative difference {worst:.2e}")


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "debug", "offtake"))
    ap.add_argument("--paths", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--rows", type=int, default=200, help="rows checked against the reference")
    ap.add_argument("--model", default="auto", choices=["auto", "1.2", "2.0"],
                    help="MODEL version of the reference; auto: 2.0 when the engine's underwrite "
                         "JSON reports metrics.delivery_ratio, else 1.2")
    args = ap.parse_args(argv)
    try:
        import pyarrow.parquet as pq
    except ImportError:
        print("risk_check.py needs pyarrow: pip install pyarrow", file=sys.stderr)
        return 2
    with open(args.file, "rb") as fh:
        raw = tomllib.load(fh)
    risk = raw.get("risk", {})
    sheet = offtake_ref.load(args.file)
    # MODEL.md §9: the hurdle defaults to the provider's discount rate (the reference's reading).
    hurdle = sheet.th_hurdle
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "paths.parquet")
        cmd = [args.bin, "risk", args.file, "--paths", str(args.paths), "--json", "--quiet",
               "--paths-out", out]
        if args.seed is not None:
            cmd += ["--seed", str(args.seed)]
        report = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        table = pq.read_table(out)
        header = json.loads(table.schema.metadata[b"offtake.risk"])
        cols = {name: table.column(name).to_pylist() for name in table.column_names}
    n = len(cols["path_idx"])
    if cols["path_idx"] != list(range(n)) or n != args.paths:
        flag(f"rows: {n} rows, path indices not 0..{args.paths}")
    print(f"{args.file}: {n} paths, seed {header['seed']}")
    check_draws(risk, cols, header)
    model = args.model
    if model == "auto":
        model = compare.engine_model(compare.engine(args.bin, args.file))
    check_paths(sheet, cols, header, args.rows, model)
    check_statistics(report, cols, header, hurdle)
    if flags:
        print(f"{len(flags)} flagged")
        return 1
    print("all agree")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
