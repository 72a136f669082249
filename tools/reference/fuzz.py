#!/usr/bin/env python3
"""Differential fuzzing: random valid term sheets through the engine CLI and the reference.

Usage: python3 fuzz.py [N] [SEED] [--bin PATH] [--v1 | --v2 | --ref-only] [--credit] [--lender]
[--mc M]. Each sheet exercising every mechanism of MODEL.md §1–9 at random; with --v2 (the
default since the engine speaks MODEL v2; --v1 leaves them out) also the keys of MODEL v2 §13 and
the v2 amendments
(`[deal] binding`, `[[generation]] list_price`, `[pricing] capacity_charge`, `[commitment]
min_annual_spend` and `excused_by_non_delivery`, `[[equity]] consideration`, `[thresholds]
delivery`, dates as provenance tables), each with some probability. The v2 keys come from a
second generator seeded from SEED, so sheet I with --v2 is sheet I without it plus v2 keys, and
the sheets without --v2 are those of earlier versions of this script. The reference runs as the
MODEL version the engine's JSON speaks (compare.engine_model). A sheet on which anything differs
by more than 1e-6 is written to /tmp/offtake-fuzz/fail-SEED-I.toml and listed. Exit 1 when any
case is flagged. --ref-only (implies --v2) runs no engine: it checks properties of §13 on the
reference alone (P = B + S + K + X_y + X, 0 ≤ δ ≤ 1, a non-binding deal never contracted and with
ZR ≡ 0, delaying a tranche never raises the minimums owed, nothing delivered with excuse means no
true-ups). --credit and --lender add the keys of MODEL v2 §14 ([buyer] credit and remarket,
[[guarantee]], [[backstop]]) and §15 (sculpted sizing, reserve, equity rate, [market] chip_resale,
[thresholds] llcr/ltv), each from its own generator; with --ref-only they add the §14/§15
property checks (README), and --mc M compares the credit-adjusted coverage with the mean over M
simulated default draws (terms of at most 36 months).
"""

import math
import os
import random
import sys
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import compare  # noqa: E402
import offtake_ref  # noqa: E402


def month(abs_idx, day=False):
    y, m = divmod(abs_idx, 12)
    s = f"{y:04d}-{m + 1:02d}"
    return s + "-15" if day else s


def date(rng2, text):
    """A date string, or (v2, sometimes) the same date as a provenance table."""
    if rng2 is not None and rng2.random() < 0.15:
        return f'{{ value = "{text}", evidence = "{rng2.choice(["reported", "estimated"])}" }}'
    return f'"{text}"'


def credit(rng3):
    """A §14 credit table."""
    if rng3.random() < 0.5:
        c = f"annual_default_probability = {rng3.choice([0.0, 0.02, 0.1, 0.3, 0.6])}"
    else:
        c = f"spread_bps = {rng3.choice([50, 225, 450, 1500])}"
    if rng3.random() < 0.6:
        c += f", recovery = {rng3.choice([0.0, 0.2, 0.4, 0.9])}"
    return "credit = { " + c + " }"


def sheet(rng, rng2=None, rng3=None, rng4=None):
    """One random sheet from rng; rng2 (MODEL v2 §13 keys), rng3 (§14 credit keys) and rng4 (§15
    lender keys) are drawn from only when given, so the sheets without them are unchanged."""
    v2 = rng2 is not None
    start = 2027 * 12 + rng.randrange(12)
    T = rng.choice([12, 13, 18, 24, 30, 36, 48, 60, 120])
    lines = ["[deal]", 'id = "fuzz"', f'start = "{month(start)}"']
    if rng.random() < 0.5:
        lines.append(f"term_months = {T}")
    else:
        lines.append(f"term_years = {T / 12!r}")
    if v2 and rng2.random() < 0.2:
        lines.append("binding = false")
    # generations in roadmap order
    ngen = rng.randint(1, 3)
    av = sorted(start + rng.randint(-24, T // 2) for _ in range(ngen))
    names = []
    for g in range(ngen):
        names.append(f"G{g}")
        lines += ["", "[[generation]]", f'name = "G{g}"', f'available = "{month(av[g], rng.random() < 0.2)}"',
                  f"pflops_per_mw = {rng.choice([1, 2.5, 4, 8]) * (1 + g)}",
                  f"chip_capex_per_mw = {rng.choice([0, 2000, 8000, 30000])}",
                  f"life_years = {rng.choice([0.5, 1, 1.125, 2, 3, 5])}"]
        if v2 and rng2.random() < 0.4:
            lines.append(f"list_price = {rng2.choice([0.0, 0.5, 1.0, 2.0, 3.5, 5.0])}")
    ntr = rng.randint(1, 4)
    for k in range(ntr):
        online = start + rng.randint(-6, T + 6)
        bm = rng.choice([0, 0, 2, 5, 12])
        lines += ["", "[[tranche]]", f'id = "t{k}"', f"mw = {rng.choice([1, 3, 5, 7.5, 10, 20])}",
                  f"online = {date(rng2, month(online))}"]
        if rng.random() < 0.6:
            lines.append(f"ramp_months = {rng.choice([1, 3, 4, 9])}")
        if bm:
            lines.append(f"build_months = {bm}")
        if rng.random() < 0.5:
            lines.append(f'deadline = "{month(online + rng.randint(0, 6))}"')
            if rng.random() < 0.6:
                lines.append(f'generation = "{rng.choice(names)}"')
        if k > 0 and rng.random() < 0.5:
            lines += ['kind = "option"', f'exercise = "{month(online - bm - rng.randint(0, 12))}"',
                      f"exercise_utilization = {rng.choice([0.0, 0.5, 0.7, 0.8, 0.95])}"]
    lines += ["", "[demand]"]
    npts = rng.randint(1, 4)
    pm = sorted(rng.sample(range(start - 6, start + T + 6), npts))
    if rng.random() < 0.5:
        pts = ", ".join(f'["{month(m)}", {rng.choice([0.0, 0.2, 0.5, 0.8, 0.9, 1.0])}]' for m in pm)
        lines.append(f"utilization = [{pts}]")
    else:
        pts = ", ".join(f'["{month(m)}", {rng.choice([0, 5, 20, 60, 150])}]' for m in pm)
        lines.append(f"pflops = [{pts}]")
    lines += ["", "[pricing]", f"list_price = {rng.choice([1.0, 2.0, 3.5])}",
              f"discount = {rng.choice([0.0, 0.1, 0.3])}", f"escalation = {rng.choice([-0.1, 0.0, 0.03])}"]
    if v2 and rng2.random() < 0.4:
        lines.append(f"capacity_charge = {rng2.choice([0, 100, 1000, 5000])}")
    if rng.random() < 0.6:
        lines += ["", "[take_or_pay]", f"floor = {rng.choice([0.3, 0.6, 0.9])}",
                  f'settle = "{rng.choice(["monthly", "annual"])}"']
        a, b = sorted(rng.randint(start - 6, start + T + 6) for _ in range(2))
        if rng.random() < 0.6:
            lines.append(f'from = "{month(a)}"')
        if rng.random() < 0.6:
            lines.append(f'until = "{month(b)}"')
    commitment = []
    if rng.random() < 0.4:
        commitment.append(f"min_total_spend = {rng.choice([1e4, 1e5, 1e6, 5e6])}")
    if v2 and rng2.random() < 0.4:
        nyears = (T + 11) // 12
        ys = sorted(rng2.sample(range(1, nyears + 1), rng2.randint(1, nyears)))
        pts = ", ".join(f"[{y}, {rng2.choice([0, 1e3, 1e4, 1e5, 1e6])}]" for y in ys)
        commitment.append(f"min_annual_spend = [{pts}]")
    if v2 and commitment and rng2.random() < 0.3:
        commitment.append("excused_by_non_delivery = false")
    if commitment:
        lines += ["", "[commitment]"] + commitment
    lines += ["", "[provider]", f"facility_capex_per_mw = {rng.choice([0, 5000, 20000, 80000])}",
              f"facility_life_years = {rng.choice([1.5, 2.125, 10, 20])}",
              f"power_price = {rng.choice([0, 0.2, 1.0])}", f"power_escalation = {rng.choice([-0.05, 0, 0.02])}",
              f"pue = {rng.choice([1.0, 1.2])}", f"idle_power = {rng.choice([0.0, 0.3, 1.0])}",
              f"fixed_opex_per_mw_year = {rng.choice([0, 500, 3000])}",
              f"tax_rate = {rng.choice([0.0, 0.21, 0.4])}", f"discount_rate = {rng.choice([0.0, 0.08, 0.15])}",
              f"residual_fraction = {rng.choice([0.0, 0.0, 0.5, 1.0])}",
              f"exit_multiple = {rng.choice([0.5, 1.0, 2.0])}",
              f"min_refresh_months = {rng.choice([0, 6, 24])}"]
    has_fin = rng.random() < 0.6
    if has_fin:
        fin = [f"debt_share = {rng.choice([0.3, 0.6, 1.0])}",
               f"interest_rate = {rng.choice([0.0, 0.05, 0.1])}",
               f"tenor_years = {rng.choice([0.5, 1, 1.125, 3, 10])}"]
    if rng4 is not None:
        # §15: sculpted sizing instead of the share, a reserve, the sponsor's rate
        if not has_fin and rng4.random() < 0.6:
            has_fin = True
            fin = [f"debt_share = {rng4.choice([0.3, 0.6, 1.0])}",
                   f"interest_rate = {rng4.choice([0.0, 0.05, 0.1])}",
                   f"tenor_years = {rng4.choice([0.5, 1, 1.125, 3, 10])}"]
        if has_fin and rng4.random() < 0.6:
            fin[0] = 'sizing = "sculpted"'
            if rng4.random() < 0.6:
                fin.append(f"target_dscr = {rng4.choice([1.0, 1.2, 1.35, 2.0])}")
            if rng4.random() < 0.6:
                fin.append(f"max_gearing = {rng4.choice([0.0, 0.3, 0.6, 0.8, 1.0])}")
        if has_fin and rng4.random() < 0.5:
            fin.append(f"dsra_months = {rng4.choice([0, 1, 3, 6, 12])}")
        if has_fin and rng4.random() < 0.4:
            fin.append(f"equity_discount_rate = {rng4.choice([0.0, 0.12, 0.25])}")
    if has_fin:
        lines += ["", "[financing]"] + fin
    buyer = []
    if rng.random() < 0.3:
        buyer = [f"discount_rate = {rng.choice([0.05, 0.12])}",
                 f"value_per_pflop_hour = {rng.choice([1.0, 2.5])}"]
    if rng3 is not None:
        if rng3.random() < 0.7:
            buyer.append(credit(rng3))
        if rng3.random() < 0.4:
            buyer.append(f"remarket = {rng3.choice([0.0, 0.5, 1.0])}")
    if buyer:
        lines += ["", "[buyer]"] + buyer
    for e in range(rng.randint(0, 3)):
        lines += ["", "[[equity]]", f'id = "e{e}"', f"amount = {rng.choice([1000, 50000])}",
                  f"round_trip = {rng.choice([0.0, 0.5, 1.0])}"]
        if v2 and rng2.random() < 0.5:
            lines.append(f"consideration = {rng2.choice([0.0, 0.25, 1.0])}")
        if rng.random() < 0.4:
            lines.append(f'at = "{month(start + rng.randint(-3, T + 3))}"')
        else:
            conds = rng.sample([f"cumulative_payments >= {rng.choice([0, 1e4, 1e5, 1e6])}",
                                f"cumulative_pflop_hours >= {rng.choice([0, 1e3, 1e5])}",
                                f"capacity_mw >= {rng.choice([0, 1, 5, 10])}",
                                f"utilization_12m >= {rng.choice([0.0, 0.5, 0.8])}"], rng.randint(1, 2))
            lines.append(f'when = "{" and ".join(conds)}"')
            if rng.random() < 0.5:
                lines.append(f'deadline = "{month(start + rng.randint(-3, T + 3))}"')
    thresholds = []
    if rng.random() < 0.5:
        thresholds += [f"coverage = {rng.choice([0.2, 1.0])}", f"dscr = {rng.choice([1.0, 1.3])}"]
    if v2 and rng2.random() < 0.3:
        thresholds.append(f"delivery = {rng2.choice([0.5, 0.95, 1.0])}")
    if rng4 is not None and rng4.random() < 0.3:
        thresholds.append(f"llcr = {rng4.choice([1.0, 1.3, 1.6])}")
    if rng4 is not None and rng4.random() < 0.3:
        thresholds.append(f"ltv = {rng4.choice([0.5, 0.8, 1.2])}")
    if thresholds:
        lines += ["", "[thresholds]"] + thresholds
    if rng3 is not None:
        n_g = rng3.choice([0, 0, 1, 2])
        for j in range(n_g):
            # shares of one kind sum to at most 1 (§12 reading of the lead)
            lines += ["", "[[guarantee]]", f'id = "g{j}"', 'party = "guarantor"',
                      f"share = {rng3.choice([0.25, 0.5, 1.0] if n_g == 1 else [0.25, 0.5])}"]
            if rng3.random() < 0.5:
                lines.append(f"cap = {rng3.choice([0, 1e3, 1e5, 1e7])}")
            if rng3.random() < 0.7:
                lines.append(credit(rng3))
        n_b = rng3.choice([0, 0, 1, 2])
        for j in range(n_b):
            lines += ["", "[[backstop]]", f'id = "b{j}"', 'party = "vendor"',
                      f"share = {rng3.choice([0.25, 0.5, 1.0] if n_b == 1 else [0.25, 0.5])}"]
            if rng3.random() < 0.5:
                lines.append(f"price = {rng3.choice([0.0, 0.5, 1.0])}")
            if rng3.random() < 0.5:
                lines.append(f"cap = {rng3.choice([0, 1e3, 1e5, 1e7])}")
            if rng3.random() < 0.4:
                a, b = sorted(rng3.randint(start - 6, start + T + 6) for _ in range(2))
                lines += [f'from = "{month(a)}"', f'until = "{month(b)}"']
            if rng3.random() < 0.7:
                lines.append(credit(rng3))
    if rng4 is not None and rng4.random() < 0.6:
        npts = rng4.randint(1, 3)
        ages = sorted(rng4.sample([0, 0.5, 1, 2, 3, 5], npts))
        pts = ", ".join(f"[{a}, {rng4.choice([0.0, 0.1, 0.4, 0.8, 1.0])}]" for a in ages)
        lines += ["", "[market]", f"chip_resale = [{pts}]"]
    return "\n".join(lines) + "\n"


def minimums_owed(sheet, out):
    """Σ_y m_y·e_y + M·e of MODEL §13 from the reference's output."""
    excused = sheet.excused
    owed = 0.0
    for y, m in sheet.min_annual.items():
        owed += m * (out["annual_delivery_ratio"][y] if excused else 1.0)
    if sheet.min_total_spend is not None:
        owed += sheet.min_total_spend * (out["metrics"]["delivery_ratio"] if excused else 1.0)
    return owed


def self_check(text, rng):
    """Properties of MODEL v2 §13 on the reference alone (no engine). Returns problems."""
    sh = offtake_ref.Sheet(tomllib.loads(text))
    out = offtake_ref.run(sh)
    mo = out["monthly"]
    T = len(mo["payments"])
    bad = []
    for t in range(T):
        parts = mo["usage_charge"][t] + mo["shortfall"][t] + mo["capacity_charge"][t] \
            + mo["true_up_annual"][t] + mo["true_up"][t]
        if compare.rel(parts, mo["payments"][t]) > 1e-12:
            bad.append(f"P != B+S+K+X_y+X at t={t}")
            break
    d = out["metrics"]["delivery_ratio"]
    if not -1e-12 <= d <= 1 + 1e-12:
        bad.append(f"delivery ratio {d} outside 0..1")
    if not sh.binding and (out["verdicts"]["contracted"] or any(mo["zero_usage_revenue"])):
        bad.append("non-binding deal contracted or with zero-usage revenue")
    # delaying a tranche never raises the minimums owed
    k = rng.randrange(len(sh.tranches))
    late = offtake_ref.run(sh, delays={sh.tranches[k]["id"]: rng.choice([1, 3, 12, 1000])})
    if minimums_owed(sh, late) > minimums_owed(sh, out) * (1 + 1e-12) + 1e-9:
        bad.append(f"delaying {sh.tranches[k]['id']} raised the minimums owed")
    # with excuse, no capacity delivered means no minimums (and no zero-usage true-ups)
    # (MODEL: δ(Y) = 1 when nothing is promised in Y, so a year or term without promised capacity
    # keeps its minimum; the property holds where something was promised)
    never = offtake_ref.run(sh, delays={tr["id"]: 100000 for tr in sh.tranches})
    if sh.excused:
        prom = never["monthly"]["promised_capacity_mw"]
        for y in range((T + 11) // 12):
            lo, hi = 12 * y, min(12 * y + 11, T - 1)
            if any(prom[lo:hi + 1]) and never["monthly"]["true_up_annual"][hi]:
                bad.append(f"yearly minimum owed in year {y + 1} with nothing delivered")
        if any(prom) and never["monthly"]["true_up"][T - 1]:
            bad.append("total minimum owed with nothing delivered")
    return bad


def draw_period(cr, T, u):
    """§14 Monte Carlo law: default time −ln(1−u)/λ, the first t with τ(t) ≥ time (T: none)."""
    if cr is None or cr["lam"] == 0.0:
        return T
    tm = -math.log1p(-u) / cr["lam"]
    if tm > T / 12.0:
        return T
    d = max(0, math.ceil(12.0 * tm - 1.0))  # τ(d) = (d+1)/12 ≥ tm
    while d > 0 and d / 12.0 >= tm:  # guard the ceiling against rounding
        d -= 1
    while (d + 1) / 12.0 < tm:
        d += 1
    return d if d < T else T


def close(a, b, tol=1e-9):
    return compare.rel(a, b) <= tol


def credit_check(sh, out, rng, draws):
    """MODEL v2 §14 properties on the reference alone. Returns problems."""
    bad = []
    m, mo = out["metrics"], out["monthly"]
    T = len(mo["payments"])
    cov, adj = m["coverage"], m["credit_adjusted_coverage"]
    # (guarantees stack as written: with shares summing over 1 the support can exceed ZR)
    stacked = math.fsum(g["share"] for g in sh.guarantees) > 1.0
    if cov is not None and adj is not None and not stacked and adj > cov * (1 + 1e-12) + 1e-12:
        bad.append(f"credit-adjusted coverage {adj} above coverage {cov}")
    if m["expected_credit_loss"] < 0:
        bad.append("negative expected credit loss")
    if not (sh.buyer_credit or sh.guarantees or sh.backstops) and adj != cov:
        bad.append("no credit keys but credit-adjusted coverage != coverage")
    if any(not 0.0 <= p < 1.0 for p in out["credit"].values()):
        bad.append("a probability of default outside [0, 1)")
    # a forced-default path: random parties, random periods
    parties = ["buyer"] + [g["id"] for g in sh.guarantees] + [b["id"] for b in sh.backstops]
    forced = {p: rng.randint(-2, T + 2) for p in parties if rng.random() < 0.7}
    f = offtake_ref.run(sh, defaults=forced, with_irr=False)
    fm = f["monthly"]
    dd = {p: max(0, d) for p, d in forced.items() if max(0, d) < T}
    db = dd.get("buyer", T)
    if any(fm["payments"][t] for t in range(db, T)):
        bad.append("buyer payments after its default")
    if any(fm["buyer_cf"][t] for t in range(db, T)):
        bad.append("buyer cash flow after its default")
    if any(p is not None and p >= db for p in f["equity"].values()):
        bad.append("equity paid at or after the buyer's default")
    if any(fm["recovery"][t] for t in range(T) if t != db):
        bad.append("recovery outside the default period")
    if any(fm["remarket"][t] for t in range(db)):
        bad.append("remarketing before the default")
    for kind, lst in (("guarantee", sh.guarantees), ("backstop", sh.backstops)):
        for x in lst:
            ser = f["credit_detail"][kind][x["id"]]
            if any(ser[t] for t in range(dd.get(x["id"], T), T)):
                bad.append(f"{kind} {x['id']} pays after its own default")
            if x["cap"] is not None and math.fsum(ser) > x["cap"] * (1 + 1e-12) + 1e-9:
                bad.append(f"{kind} {x['id']} pays over its cap")
            if kind == "guarantee" and db == T and any(ser):
                bad.append(f"guarantee {x['id']} pays without a buyer default")
    for t in range(T):
        rev = fm["payments"][t] + fm["recovery"][t] + fm["remarket"][t] + fm["guarantee"][t] + fm["backstop"][t]
        if not close(fm["ebitda"][t], rev - fm["power_cost"][t] - fm["fixed_opex"][t]):
            bad.append(f"EBITDA != revenue − power − fixed opex at t={t}")
            break
    if f["metrics"]["coverage"] != f["metrics"]["credit_adjusted_coverage"]:
        bad.append("forced path: coverage != credit-adjusted coverage")
    # mitigation (README reading 5): after the buyer's default the guarantees pay at most what is
    # still owed net of re-marketing (L, with the surplus carried forward), in PV remarketing +
    # guarantees + recovery ≤ Σ max(ZR, M), and (the performance bound, docs/model.md §14) the
    # cumulative M + L from d never runs ahead of the payments without the default P by more
    # than E = max_t (Σ_{d..t} ZR − Σ_{d..t} P)⁺ ≤ what was paid before d (E = 0 when d starts a
    # settlement window), so PV_d(support) ≤ PV_d(P) + E·DF(d): a default pays no more than
    # performance
    if db < T and math.fsum(g["share"] for g in sh.guarantees) <= 1.0:
        Z, M = fm["zero_usage_revenue"], fm["remarket"]
        DF = [(1.0 + sh.disc) ** (-(t + 1) / 12.0) for t in range(T)]
        L, b = [0.0] * T, 0.0
        for t in range(db, T):
            L[t] = max(0.0, Z[t] - M[t] - b)
            b = max(0.0, b + M[t] - Z[t])
        if any(fm["guarantee"][t] > L[t] + 1e-9 * max(1.0, Z[t]) for t in range(db, T)):
            bad.append("guarantees above the obligation net of re-marketing")
        got = math.fsum((M[t] + fm["guarantee"][t] + fm["recovery"][t]) * DF[t] for t in range(db, T))
        cap = math.fsum(max(Z[t], M[t]) * DF[t] for t in range(db, T))
        if got > cap + 1e-9 * max(1.0, cap):
            bad.append(f"post-default support {got:.6g} above PV of max(ZR, M) {cap:.6g}")
        perf = offtake_ref.run(sh, defaults={p: d for p, d in forced.items() if p != "buyer"},
                               with_irr=False)["monthly"]["payments"]
        scale = math.fsum(abs(x) for x in Z + M + perf) + 1.0
        tol = 1e-9 * scale
        if sh.remarket <= 1.0 and all(M[t] <= perf[t] + tol for t in range(db, T)):
            z = pc = ml = e = 0.0
            for t in range(db, T):
                z += Z[t]
                pc += perf[t]
                ml += M[t] + L[t]
                e = max(e, z - pc)
                if ml > pc + e + tol:
                    bad.append(f"t={t}: cumulative M + L {ml:.6g} above performance {pc:.6g} + E {e:.6g}")
                    break
            before = math.fsum(perf[:db])
            if e > before + tol:
                bad.append(f"E = {e:.6g} above what was paid before d, {before:.6g}")
            if sh.disc >= 0.0:
                pv_perf = math.fsum(perf[t] * DF[t] for t in range(db, T))
                if got > pv_perf + e * DF[db] + tol:
                    bad.append(f"post-default support {got:.6g} above performance {pv_perf:.6g} + E {e:.6g}")
    # the coverage figures stay on the zero-usage basis: remarket does not move them
    if db < T and sh.remarket != 0.0:
        saved = sh.remarket
        sh.remarket = 0.0
        f0 = offtake_ref.run(sh, defaults=forced, with_irr=False)
        sh.remarket = saved
        for k in ("coverage", "credit_adjusted_coverage", "expected_credit_loss"):
            if f0["metrics"][k] != f["metrics"][k]:
                bad.append(f"forced path: {k} depends on remarket")
    # credit-adjusted coverage = the mean realized coverage over default draws (independent parties)
    laws = {"buyer": sh.buyer_credit}
    laws.update({x["id"]: x["credit"] for x in sh.guarantees + sh.backstops})
    if draws and adj is not None and any(c and c["lam"] > 0 for c in laws.values()):
        # Latin hypercube over the parties' uniforms (each party's u stratified in M strata, the
        # strata paired at random): unbiased, and a default region of any probability is drawn in
        # proportion, so the sample sd does not miss a rare region by chance
        strata = {p: rng.sample(range(draws), draws) for p in laws}
        vals = []
        for j in range(draws):
            d = {p: draw_period(c, T, (strata[p][j] + rng.random()) / draws) for p, c in laws.items()}
            vals.append(offtake_ref.run(sh, defaults=d, with_irr=False)["metrics"]["credit_adjusted_coverage"])
        mean = math.fsum(vals) / draws
        sd = math.sqrt(math.fsum((v - mean) ** 2 for v in vals) / (draws - 1))
        # 4.5 standard errors (the i.i.d. sd, conservative under stratification) plus, per party
        # with credit, one stratum's worth of the span (a region narrower than a stratum)
        span = max(abs(cov or 0.0), max(abs(v) for v in vals))
        nparty = sum(1 for c in laws.values() if c and c["lam"] > 0)
        tol = 4.5 * sd / math.sqrt(draws) + nparty * span / draws + 1e-9 * max(1.0, abs(adj))
        if abs(mean - adj) > tol:
            bad.append(f"credit-adjusted coverage {adj:.6g} vs Monte Carlo mean {mean:.6g} (tolerance {tol:.3g})")
    return bad


def lender_check(sh, out, rng):
    """MODEL v2 §15 properties on the reference alone. Returns problems."""
    bad = []
    m, mo, L = out["metrics"], out["monthly"], out["lender"]
    T = len(mo["payments"])
    # sponsor flow = FCF + draws − service − reserve funding + what leaves the reserve (− debt owed
    # after T−1, in T−1)
    for t in range(T):
        e = mo["fcf"][t] + mo["draws"][t] - mo["debt_service"][t] - L["reserve_funding"][t] + L["reserve_out"][t]
        if t == T - 1:
            e -= m["debt_outstanding_at_end"]
        if not close(e, mo["sponsor_cf"][t]):
            bad.append(f"sponsor flow identity fails at t={t}")
            break
    if math.fsum(L["reserve_out"]) > math.fsum(L["reserve_funding"]) * (1 + 1e-12) + 1e-9:
        bad.append("more left the reserve than was put in")
    # Relative to the largest balance: a balance paid down to zero may end a few ulps below it
    # (sheet 15 of seed 11 ends at -1.0e-9 after ~3.6e5 of draws).
    scale = max([1.0] + [abs(x) for x in mo["debt_balance"] if x is not None])
    if any(x is not None and x < -1e-12 * scale - 1e-9 for x in mo["debt_balance"]):
        bad.append("negative debt balance")
    if mo["market_value"][0] is not None:
        for t in range(T):
            if mo["ltv"][t] is not None and not close(mo["ltv"][t] * mo["market_value"][t], mo["debt_balance"][t]):
                bad.append(f"LTV·MV != balance at t={t}")
                break
    sz = L["sizing"]
    if sh.fin is None or sh.fin["sizing"] != "sculpted" or not sz or sz["g"] == 0.0:
        return bad
    i = sh.fin["rate"] / 12.0
    r0, B0, g, K, Ds = sz["r0"], sz["B0"], sz["g"], sz["K"], sz["D_star"]
    w0, w1 = sz["window"]
    tgt = sh.fin["target"]
    if not close(g, min(sh.fin["max_gearing"], Ds / K)):
        bad.append("g != min(max_gearing, D*/K)")
    # PV of the service at the loan rate = the balance at r0 (end of r0 − 1)
    pv = math.fsum(mo["debt_service"][t] * (1 + i) ** (-(t - r0 + 1)) for t in range(T))
    if not close(pv, B0) or not close(mo["debt_balance"][r0 - 1] if r0 > 0 else 0.0, B0):
        bad.append(f"PV of service {pv} / balance at r0 != B0 {B0}")
    if abs(mo["debt_balance"][w1]) > 1e-9 * max(1.0, B0):
        bad.append(f"balance {mo['debt_balance'][w1]} at the end of W")
    ratio = tgt * Ds / (g * K)
    for y, d in enumerate(out["annual_dscr"]):
        lo, hi = 12 * y, min(12 * y + 11, T - 1)
        if lo >= w0 and hi <= w1 and d is not None and all(mo["cfads"][t] >= 0 for t in range(lo, hi + 1)):
            if not close(d, ratio):
                bad.append(f"DSCR of year {y + 1} in W = {d}, not target·D*/(g·K) = {ratio}")
    # a path: service scaled by B0_path/B0; still clears the balance at the end of W
    # (with no options, which a delay can exercise, and one generation: a delay can fit a newer,
    # dearer generation still before r0, so "a delayed path borrows less" needs both)
    if not any(tr["kind"] == "option" for tr in sh.tranches) and len(sh.gens) == 1:
        k = rng.randrange(len(sh.tranches))
        late = offtake_ref.run(sh, delays={sh.tranches[k]["id"]: rng.choice([1, 3, 12])}, with_irr=False)
        if math.fsum(late["monthly"]["draws"]) > math.fsum(mo["draws"]) * (1 + 1e-12) + 1e-9:
            bad.append("a delayed path borrows more than the base case")
        bl = late["monthly"]["debt_balance"]
        if abs(bl[w1]) > 1e-9 * max(1.0, B0):
            bad.append("a delayed path's balance is not 0 at the end of W")
    return bad


def main(argv):
    args = [a for a in argv[1:]]
    binary = os.path.join(ROOT, "target", "debug", "offtake")
    if "--bin" in args:
        i = args.index("--bin")
        binary = args[i + 1]
        del args[i:i + 2]
    v2 = "--v1" not in args or "--ref-only" in args
    ref_only = "--ref-only" in args
    with_credit = "--credit" in args
    with_lender = "--lender" in args
    draws = 0
    if "--mc" in args:
        i = args.index("--mc")
        draws = int(args[i + 1])
        del args[i:i + 2]
    forced_paths = "--forced" in args
    args = [a for a in args if a not in ("--v1", "--v2", "--ref-only", "--credit", "--lender", "--forced")]
    n = int(args[0]) if args else 200
    seed = int(args[1]) if len(args) > 1 else 1
    rng = random.Random(seed)
    rng2 = random.Random(seed + 1_000_003) if v2 else None
    rng3 = random.Random(seed + 3_000_017) if with_credit else None
    rng4 = random.Random(seed + 4_000_037) if with_lender else None
    rng5 = random.Random(seed + 5_000_011)  # --forced: the parties' default months
    models = {}
    os.makedirs("/tmp/offtake-fuzz", exist_ok=True)
    invalid = flagged = 0
    if ref_only:
        checker = random.Random(seed + 2_000_003)
        for i in range(n):
            text = sheet(rng, rng2, rng3, rng4)
            problems = self_check(text, checker)
            sh = offtake_ref.Sheet(tomllib.loads(text))
            out = offtake_ref.run(sh, with_irr=False)
            if with_credit:
                # the Monte Carlo comparison on short terms only (each draw is a full run)
                problems += credit_check(sh, out, checker, draws if sh.T <= 36 else 0)
            if with_lender:
                problems += lender_check(sh, out, checker)
            if problems:
                flagged += 1
                keep = f"/tmp/offtake-fuzz/self-{seed}-{i}.toml"
                with open(keep, "w") as fh:
                    fh.write(text)
                print(f"[{i}] {keep}: " + "; ".join(problems))
        extra = "".join(f" + {x}" for x, on in (("§14 credit", with_credit), ("§15 lender", with_lender)) if on)
        print(f"{n} sheets with v2 keys{extra} checked on the reference alone, {flagged} flagged")
        return 1 if flagged else 0
    for i in range(n):
        text = sheet(rng, rng2, rng3, rng4)
        path = f"/tmp/offtake-fuzz/case-{seed}-{i}.toml"
        with open(path, "w") as fh:
            fh.write(text)
        extra, forced = [], None
        if forced_paths:
            # MODEL v2 §14 forced defaults: each party (the buyer, guarantee and backstop ids)
            # defaults with probability 1/2 in a month from two before start to two after the end.
            doc = tomllib.loads(text)
            sh0 = offtake_ref.Sheet(doc)
            ids = ["buyer"] + [x["id"] for x in doc.get("guarantee", []) + doc.get("backstop", [])]
            forced = {}
            for pid in ids:
                if rng5.random() < 0.5:
                    forced[pid] = rng5.randrange(-2, sh0.T + 2)
                    extra += ["--default", f"{pid}={month(sh0.start + forced[pid])}"]
            forced = forced or None  # nobody named: the base case, as the engine without --default
        try:
            eng = compare.engine(binary, path, extra)
        except RuntimeError as err:
            invalid += 1
            if invalid <= 5:
                print(f"[{i}] engine rejected: {str(err).splitlines()[-1][:200]}")
            continue
        model = compare.engine_model(eng)
        models[model] = models.get(model, 0) + 1
        ref = offtake_ref.run(offtake_ref.Sheet(tomllib.loads(text)), model=model, defaults=forced)
        rows = [r for r in compare.compare(eng, ref) if r[2] > compare.FLAG]
        if rows:
            flagged += 1
            keep = f"/tmp/offtake-fuzz/fail-{seed}-{i}.toml"
            os.replace(path, keep)
            print(f"[{i}] {keep} {' '.join(extra)}: " + "; ".join(f"{k}:{m} {d:.3g}" for k, m, d, _ in rows[:6]))
        else:
            os.remove(path)
    print(f"{n} sheets{' with v2 keys' if v2 else ''}, {invalid} rejected by the engine, {flagged} flagged"
          f" (reference as MODEL {', '.join(f'{m}: {c}' for m, c in sorted(models.items())) or '-'})")
    return 1 if flagged else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
