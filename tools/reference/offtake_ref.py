#!/usr/bin/env python3
"""Independent reference implementation of the offtake model (MODEL.md v2.0 §1–9, §13–15).

Written from /work/shared/MODEL.md alone, to cross-check the Rust engine. Pure Python 3.11
standard library. Runs one term sheet in the base scenario (every risk factor at base) unless
factors are passed to `run`. Readings of ambiguous passages are listed in README.md ("Readings"
for v1.2, "v2 readings" for §13 and the v2 amendments).

`run(sheet, model="2.0")` is MODEL v2.0; `model="1.2"` turns off the four deliberate v2 changes
(excused minimums, the buyer's hand-back of shares, binding, the delivery-ratio test) so that a
sheet without v2 keys can be checked against a v1.2 engine.

Usage: python3 offtake_ref.py TERM_SHEET.toml [--pretty] [--model 1.2|2.0]   (prints JSON)
"""

import calendar
import datetime
import json
import math
import sys
import tomllib

TOL = 1e-9  # MODEL.md preamble: relative tolerance for thresholds


def ge_tol(a, b):
    """a ≥ b with the preamble's relative tolerance: a ≥ b − 1e-9·max(1,|b|)."""
    return a >= b - TOL * max(1.0, abs(b))


def num(x):
    """A number, plain or as a provenance table {value = …} (MODEL.md §11)."""
    if isinstance(x, dict):
        return num(x["value"])
    if isinstance(x, bool):
        raise TypeError("boolean where a number is expected")
    return float(x)


def whole_months(years):
    """Preamble: round(12·years), halves away from zero."""
    v = 12.0 * years
    return int(math.copysign(math.floor(abs(v) + 0.5), v))


def month_index(d):
    """A date's absolute month index; only its month counts (§1)."""
    if isinstance(d, dict):
        d = d["value"]
    if isinstance(d, (datetime.date, datetime.datetime)):
        return d.year * 12 + d.month - 1
    parts = str(d).split("-")
    if len(parts) not in (2, 3):
        raise ValueError(f"malformed date {d!r}")
    y, m = int(parts[0]), int(parts[1])
    if not 1 <= m <= 12:
        raise ValueError(f"malformed date {d!r}")
    return y * 12 + m - 1


def month_label(abs_idx):
    y, m = divmod(abs_idx, 12)
    return f"{y:04d}-{m + 1:02d}"


def npv(flows, rate):
    """§1: NPV(r) = Σ CF(t)·(1+r)^(−(t+1)/12)."""
    base = 1.0 + rate
    return math.fsum(cf * base ** (-(t + 1) / 12.0) for t, cf in enumerate(flows) if cf != 0.0)


def irr(flows):
    """§1 IRR rule. Returns (irr or None, multiple_roots flag, list of roots)."""
    if not any(cf < 0 for cf in flows) or not any(cf > 0 for cf in flows):
        # NPV keeps one sign for every rate: no root.
        return None, False, []
    grid = [(i - 99) / 100.0 for i in range(0, 1100)]  # −0.99 … 10.00, step 0.01
    vals = []
    for r in grid:
        v = npv(flows, r)
        # NPV within rounding of the discounted flows is a zero (a root exactly on a grid point,
        # e.g. at the bound r = 10, would otherwise be lost to the last bit of the sum).
        scale = math.fsum(abs(cf) * (1.0 + r) ** (-(t + 1) / 12.0) for t, cf in enumerate(flows))
        vals.append(0.0 if abs(v) <= 1e-12 * scale else v)
    roots = []  # (root, falling)

    def refine(lo, hi, flo):
        while hi - lo > 1e-10:
            mid = 0.5 * (lo + hi)
            fm = npv(flows, mid)
            if fm == 0.0:
                return mid
            if (fm > 0) == (flo > 0):
                lo, flo = mid, fm
            else:
                hi = mid
        return 0.5 * (lo + hi)

    # Walk the grid; an exact zero on a grid point is a root when the signs around it differ.
    last_r, last_v = grid[0], vals[0]
    i = 1
    while i < len(grid):
        r, v = grid[i], vals[i]
        if v == 0.0:
            j = i
            while j < len(grid) and vals[j] == 0.0:
                j += 1
            nxt = vals[j] if j < len(grid) else None
            if last_v != 0.0 and (nxt is None or (nxt > 0) != (last_v > 0)):
                roots.append((r, last_v > 0))
            # the zero run is consumed: the next sign comparison starts after it
            last_r, last_v = grid[j - 1], 0.0
            i = j
            continue
        if last_v != 0.0 and (v > 0) != (last_v > 0):
            roots.append((refine(last_r, r, last_v), last_v > 0))
        last_r, last_v = r, v
        i += 1
    if not roots:
        return None, False, []
    falling = [r for r, f in roots if f]
    chosen = max(falling) if falling else max(r for r, _ in roots)
    return chosen, len(roots) > 1, [r for r, _ in roots]


class Sheet:
    """The parts of a term sheet MODEL.md §1–9 need, read with tomllib."""

    def __init__(self, raw):
        self.raw = raw
        deal = raw["deal"]
        self.id = deal["id"]
        self.binding = deal.get("binding", True)
        if not isinstance(self.binding, bool):
            raise TypeError("[deal] binding must be a boolean")
        self.start = month_index(deal["start"])
        if "term_months" in deal:
            self.T = int(num(deal["term_months"]))
        else:
            self.T = whole_months(num(deal["term_years"]))
        pr = raw["pricing"]
        self.list_price = num(pr["list_price"])
        self.discount = num(pr.get("discount", 0.0))
        self.escalation = num(pr.get("escalation", 0.0))
        self.capacity_charge = num(pr.get("capacity_charge", 0.0))  # §13, USD per MW-month
        if self.list_price < 0 or self.capacity_charge < 0:
            raise ValueError("§12 v2: a negative price or capacity charge")
        self.gens = []
        for g in raw["generation"]:
            self.gens.append(
                dict(
                    name=g["name"],
                    avail=month_index(g["available"]) - self.start,
                    ppm=num(g["pflops_per_mw"]),
                    ccpm=num(g["chip_capex_per_mw"]),
                    life=whole_months(num(g["life_years"])),
                    # §13: list price by generation, default [pricing] list_price
                    list=num(g["list_price"]) if "list_price" in g else self.list_price,
                )
            )
            if self.gens[-1]["list"] < 0:
                raise ValueError("§12 v2: a negative generation list_price")
        self.gen_index = {g["name"]: i for i, g in enumerate(self.gens)}
        self.tranches = []
        for tr in raw["tranche"]:
            kind = tr.get("kind", "firm")
            self.tranches.append(
                dict(
                    id=tr["id"],
                    mw=num(tr["mw"]),
                    online=month_index(tr["online"]) - self.start,
                    R=int(num(tr.get("ramp_months", 0))),
                    bm=int(num(tr.get("build_months", 0))),
                    deadline=(month_index(tr["deadline"]) - self.start) if "deadline" in tr else None,
                    promised=tr.get("generation"),
                    kind=kind,
                    exercise=(month_index(tr["exercise"]) - self.start) if kind == "option" else None,
                    exu=num(tr.get("exercise_utilization", 0.8)),
                )
            )
        dem = raw["demand"]
        if "pflops" in dem:
            self.demand_mode = "pflops"
            pts = dem["pflops"]
        else:
            self.demand_mode = "utilization"
            pts = dem["utilization"]
        self.demand_pts = [(month_index(p[0]) - self.start, num(p[1])) for p in pts]
        top = raw.get("take_or_pay")
        if top is not None:
            self.top = dict(
                floor=num(top.get("floor", 0.0)),
                frm=(month_index(top["from"]) - self.start) if "from" in top else 0,
                until=(month_index(top["until"]) - self.start) if "until" in top else self.T - 1,
                settle=top.get("settle", "monthly"),
            )
        else:
            self.top = None
        com = raw.get("commitment") or {}
        self.min_total_spend = num(com["min_total_spend"]) if "min_total_spend" in com else None
        # §13: yearly minimums, contract years 1-based → {year index 0-based: USD}
        self.min_annual = {}
        nyears = (self.T + 11) // 12
        for entry in com.get("min_annual_spend", []):
            y = num(entry[0])
            if y != int(y) or not 1 <= int(y) <= nyears:
                raise ValueError(f"§12 v2: min_annual_spend year {entry[0]!r} outside 1..{nyears}")
            if int(y) - 1 in self.min_annual:
                raise ValueError(f"§12 v2: min_annual_spend year {int(y)} listed twice")
            amt = num(entry[1])
            if amt < 0:
                raise ValueError("§12 v2: a negative minimum")
            self.min_annual[int(y) - 1] = amt
        if self.min_total_spend is not None and self.min_total_spend < 0:
            raise ValueError("§12 v2: a negative minimum")
        self.excused = com.get("excused_by_non_delivery", True)
        if not isinstance(self.excused, bool):
            raise TypeError("[commitment] excused_by_non_delivery must be a boolean")
        p = raw["provider"]
        self.fac_capex = num(p["facility_capex_per_mw"])
        self.fac_life = whole_months(num(p["facility_life_years"]))
        self.power_price = num(p["power_price"])
        self.power_esc = num(p.get("power_escalation", 0.0))
        self.pue = num(p.get("pue", 1.0))
        self.idle_power = num(p.get("idle_power", 0.3))
        self.fixed_opex = num(p.get("fixed_opex_per_mw_year", 0.0))
        self.tax_rate = num(p["tax_rate"])
        self.disc = num(p["discount_rate"])
        self.residual_fraction = num(p.get("residual_fraction", 0.0))
        self.exit_multiple = num(p.get("exit_multiple", 1.0))
        self.min_refresh = int(num(p.get("min_refresh_months", 24)))
        fin = raw.get("financing")
        if fin is not None:
            self.fin = dict(
                share=num(fin.get("debt_share", 0.0)),
                rate=num(fin.get("interest_rate", 0.0)),
                n=whole_months(num(fin.get("tenor_years", 0.0))),
            )
        else:
            self.fin = None
        self.equity = []
        for e in raw.get("equity", []):
            self.equity.append(
                dict(
                    id=e["id"],
                    amount=num(e["amount"]),
                    round_trip=num(e.get("round_trip", 0.0)),
                    at=(month_index(e["at"]) - self.start) if "at" in e else None,
                    when=e.get("when"),
                    deadline=(month_index(e["deadline"]) - self.start) if "deadline" in e else None,
                    consideration=num(e.get("consideration", 1.0)),  # §7 v2
                )
            )
            if not 0.0 <= self.equity[-1]["consideration"] <= 1.0:
                raise ValueError("§12 v2: consideration outside 0..1")
        b = raw.get("buyer", {})
        self.buyer_rate = num(b["discount_rate"]) if "discount_rate" in b else self.disc
        self.value_given = "value_per_pflop_hour" in b
        self.value_per_ph = num(b["value_per_pflop_hour"]) if self.value_given else self.list_price
        # §14 credit and credit support
        self.buyer_credit = parse_credit(b.get("credit"), "buyer")
        self.remarket = num(b.get("remarket", 0.5))
        if not 0.0 <= self.remarket <= 1.0:
            raise ValueError("§12 v2: [buyer] remarket outside 0..1")
        self.guarantees = []
        self.backstops = []
        ids = {"buyer"}
        for kind, lst in (("guarantee", self.guarantees), ("backstop", self.backstops)):
            for e in raw.get(kind, []):
                pid = e["id"]
                if pid in ids:
                    raise ValueError(f"§12 v2: party id {pid!r} repeats or collides with another party")
                ids.add(pid)
                d = dict(id=pid, party=e.get("party"), share=num(e.get("share", 1.0)),
                         cap=num(e["cap"]) if "cap" in e else None,
                         credit=parse_credit(e.get("credit"), pid))
                if not 0.0 <= d["share"] <= 1.0:
                    raise ValueError(f"§12 v2: {kind} {pid} share outside 0..1")
                if d["cap"] is not None and d["cap"] < 0:
                    raise ValueError(f"§12 v2: {kind} {pid} negative cap")
                if kind == "backstop":
                    d["price"] = num(e.get("price", 1.0))
                    if d["price"] < 0:
                        raise ValueError(f"§12 v2: backstop {pid} negative price")
                    d["frm"] = (month_index(e["from"]) - self.start) if "from" in e else 0
                    d["until"] = (month_index(e["until"]) - self.start) if "until" in e else self.T - 1
                lst.append(d)
            # the lead's reading where MODEL is silent: shares of one kind sum to at most 1
            # (two guarantees of the whole obligation would pay it twice; a backstop cannot buy
            # more than all the unused capacity)
            if math.fsum(x["share"] for x in lst) > 1.0 + 1e-9:
                raise ValueError(f"§12 v2 (reading): the {kind}s' shares sum over 1")
        self.party_ids = [x for x in ids if x != "buyer"]
        # §15 the lender's view
        if fin is not None:
            sizing = fin.get("sizing", "share")
            if sizing not in ("share", "sculpted"):
                raise ValueError("§15: sizing must be share or sculpted")
            if sizing == "sculpted" and "debt_share" in fin:
                raise ValueError("§12 v2: sizing = sculpted together with debt_share")
            if sizing == "share" and ("target_dscr" in fin or "max_gearing" in fin):
                raise ValueError("§12 v2: target_dscr or max_gearing with the share sizing")
            self.fin["sizing"] = sizing
            self.fin["dsra"] = int(num(fin.get("dsra_months", 0)))
            self.fin["eq_rate"] = num(fin["equity_discount_rate"]) if "equity_discount_rate" in fin else self.disc
        mk = raw.get("market", {})
        self.chip_resale = None
        if "chip_resale" in mk:
            pts = [(num(a), num(f)) for a, f in mk["chip_resale"]]
            if any(a < 0 for a, _ in pts) or any(f < 0 for _, f in pts) \
                    or any(pts[j + 1][0] <= pts[j][0] for j in range(len(pts) - 1)) or not pts:
                raise ValueError("§12 v2: chip_resale ages negative, repeated or decreasing, or a fraction < 0")
            self.chip_resale = pts
        th = raw.get("thresholds", {})
        self.th_coverage = num(th.get("coverage", 1.0))
        self.th_dscr = num(th.get("dscr", 1.30))
        self.th_hurdle = num(th["hurdle"]) if "hurdle" in th else self.disc
        self.th_delivery = num(th.get("delivery", 0.95))  # §9 v2
        self.th_llcr = num(th["llcr"]) if "llcr" in th else self.th_dscr  # §15
        self.th_ltv = num(th.get("ltv", 0.8))  # §15
        if self.fin is not None and self.fin["sizing"] == "sculpted":
            self.fin["target"] = num(fin["target_dscr"]) if "target_dscr" in fin else self.th_dscr
            self.fin["max_gearing"] = num(fin.get("max_gearing", 0.8))
            if self.fin["target"] <= 0:
                raise ValueError("§12 v2: target_dscr <= 0")
            if not 0.0 <= self.fin["max_gearing"] <= 1.0:
                raise ValueError("§12 v2: max_gearing outside 0..1")


def parse_credit(c, who):
    """§14 `credit` table → hazard λ per year and recovery R (None: no credit, λ = 0)."""
    if c is None:
        return None
    R = num(c.get("recovery", 0.4))
    if not 0.0 <= R <= 1.0:
        raise ValueError(f"§12 v2: {who} recovery outside 0..1")
    has_q, has_s = "annual_default_probability" in c, "spread_bps" in c
    if has_q == has_s:
        raise ValueError(f"§12 v2: {who} credit needs exactly one of annual_default_probability, spread_bps")
    if has_q:
        q = num(c["annual_default_probability"])
        if not 0.0 <= q < 1.0:
            raise ValueError(f"§12 v2: {who} annual_default_probability outside [0, 1)")
        lam = -math.log1p(-q)
    else:
        s = num(c["spread_bps"])
        if s <= 0:
            raise ValueError(f"§12 v2: {who} spread_bps <= 0")
        if R >= 1.0:
            raise ValueError(f"§12 v2: {who} recovery must be < 1 with a spread")
        lam = s / 1e4 / (1.0 - R)
    return dict(lam=lam, R=R)


def survival(credit, T):
    """§14 Q(t) = exp(−λ·τ(t)) for t = 0 … T−1 (1 without credit)."""
    lam = credit["lam"] if credit else 0.0
    return [math.exp(-lam * (t + 1) / 12.0) for t in range(T)]


def capped(xs, cap):
    """A promised schedule cut where its cumulative sum reaches cap (the crossing payment in part)."""
    if cap is None:
        return list(xs)
    out, acc = [], 0.0
    for x in xs:
        pay = min(x, max(0.0, cap - acc))
        acc += pay
        out.append(pay)
    return out


def resale(pts, age):
    """§15 chip_resale: linear between points by age, flat outside."""
    if age <= pts[0][0]:
        return pts[0][1]
    if age >= pts[-1][0]:
        return pts[-1][1]
    for (a0, f0), (a1, f1) in zip(pts, pts[1:]):
        if a0 <= age <= a1:
            w = (age - a0) / (a1 - a0)
            return (1 - w) * f0 + w * f1
    return pts[-1][1]


def parse_condition(text):
    """§7: `metric >= number` joined by `and`."""
    terms = []
    for part in text.split(" and "):
        metric, sep, value = part.partition(">=")
        if not sep:
            raise ValueError(f"condition term without >=: {part!r}")
        terms.append((metric.strip(), float(value.strip())))
    return terms


def run(sheet, demand_factor=1.0, power_factor=1.0, capex_factor=1.0, delays=None, slips=None,
        model="2.0", resale_factor=1.0, defaults=None, with_irr=True):
    """Evaluate one path of MODEL.md §1–9 and §13. Base scenario by default.

    model="1.2" evaluates the v1.2 readings of the four v2 changes (no excuse, no hand-back of
    shares in the buyer view, binding ignored, no delivery-ratio test).

    defaults (§14): None for the base case (nobody defaults; the credit-adjusted coverage is the
    expectation over default periods), or a dict party id ("buyer", a guarantee or backstop id)
    → default period (an int, relative to start; < 0 means 0, ≥ T never) for a forced-default
    path (parties not named do not default; coverage is then the realized figure).
    resale_factor: the §15 scalar factor on chip_resale. with_irr=False skips the IRR searches (they
    are then None: for property checks that do not need them)."""
    if model not in ("1.2", "2.0"):
        raise ValueError(f"model must be 1.2 or 2.0, not {model!r}")
    v2 = model == "2.0"
    S = sheet
    T = S.T
    delays = delays or {}
    slips = slips or {}

    # §1 hours(t)
    hours = []
    for t in range(T):
        y, m = divmod(S.start + t, 12)
        hours.append(calendar.monthrange(y, m + 1)[1] * 24.0)

    # §2 availability per generation on this path
    avail = [g["avail"] + slips.get(g["name"], 0) for g in S.gens]
    first_avail = min(avail)

    def latest(t):
        best = None
        for gi, a in enumerate(avail):
            if a <= t:
                best = gi
        return best

    # §3 effective online periods, fits, active fractions
    ntr = len(S.tranches)
    onl = [max(0, tr["online"] + delays.get(tr["id"], 0), first_avail) for tr in S.tranches]

    def fits_of(k):
        o = onl[k]
        if o >= T:
            return []
        g = latest(o)
        fits = [(o, g)]
        f = o
        while True:
            life = S.gens[g]["life"]
            if life <= 0:
                break
            s = f + life
            if s >= T or T - s < S.min_refresh:
                break
            g = latest(s)
            fits.append((s, g))
            f = s
        return fits

    fits = [fits_of(k) for k in range(ntr)]

    def active(k, t):
        o = onl[k]
        if t < o:
            return 0.0
        R = S.tranches[k]["R"]
        if R == 0:
            return 1.0
        n = t - o + 1
        return 1.0 if n >= R else n / R

    def tranche_series(k):
        """(mw·a, pflops, generation index or None) per period for tranche k."""
        mw = S.tranches[k]["mw"]
        cap = [0.0] * T
        pfl = [0.0] * T
        gen = [None] * T
        fl = fits[k]
        for t in range(T):
            a = active(k, t)
            if a == 0.0:
                continue
            g = None
            for f, gi in fl:
                if f <= t:
                    g = gi
            cap[t] = mw * a
            pfl[t] = mw * a * S.gens[g]["ppm"]
            gen[t] = g
        return cap, pfl, gen

    tser = [tranche_series(k) for k in range(ntr)]

    # §4 demand curve
    pts = S.demand_pts

    def curve(t):
        if t <= pts[0][0]:
            return pts[0][1]
        if t >= pts[-1][0]:
            return pts[-1][1]
        for (p0, v0), (p1, v1) in zip(pts, pts[1:]):
            if t == p1:
                return v1  # a point's own month has the point's value, exactly
            if p0 <= t < p1:
                w = (t - p0) / (p1 - p0)
                return (1.0 - w) * v0 + w * v1
        raise AssertionError

    dcurve = [curve(t) for t in range(T)]

    def used(C, t):
        if S.demand_mode == "pflops":
            return min(C, dcurve[t] * demand_factor * hours[t])
        return min(1.0, dcurve[t] * demand_factor) * C

    def aggregate(members):
        cap = [0.0] * T
        pfl = [0.0] * T
        for k in members:
            c, p, _ = tser[k]
            for t in range(T):
                cap[t] += c[t]
                pfl[t] += p[t]
        C = [pfl[t] * hours[t] for t in range(T)]
        U = [used(C[t], t) for t in range(T)]
        return cap, pfl, C, U

    # §3 options, in order of exercise period (ties: file order)
    exists = [tr["kind"] != "option" for tr in S.tranches]
    opt_order = sorted((k for k in range(ntr) if S.tranches[k]["kind"] == "option"),
                       key=lambda k: (S.tranches[k]["exercise"], k))
    decisions = []
    for k in opt_order:
        tr = S.tranches[k]
        e = max(0, tr["exercise"])
        trailing = None
        ex = False
        if tr["exercise"] < T:
            _, _, C, U = aggregate([j for j in range(ntr) if exists[j]])
            lo = max(0, e - 12)
            sc = math.fsum(C[lo:e])
            su = math.fsum(U[lo:e])
            if sc != 0.0:
                trailing = su / sc
                ex = ge_tol(trailing, tr["exu"])
        exists[k] = ex
        decisions.append(dict(tranche=tr["id"], exercise_period=e,
                              trailing_utilization=trailing, threshold=tr["exu"], exercised=ex))

    members = [k for k in range(ntr) if exists[k]]
    cap, pfl, C, U = aggregate(members)
    util = [U[t] / C[t] if C[t] != 0.0 else 0.0 for t in range(T)]

    # §13 promised schedule and delivery ratio: â_k is a_k with o_k replaced by n_k = max(0, online_k)
    def promised(k, t):
        n = max(0, S.tranches[k]["online"])
        if t < n:
            return 0.0
        R = S.tranches[k]["R"]
        if R == 0:
            return 1.0
        m = t - n + 1
        return 1.0 if m >= R else m / R

    prom = [math.fsum(S.tranches[k]["mw"] * promised(k, t) for k in members) for t in range(T)]
    years = [(12 * y, min(12 * y + 11, T - 1)) for y in range((T + 11) // 12)]

    def ratio(lo, hi):
        den = math.fsum(prom[lo:hi + 1])
        return math.fsum(cap[lo:hi + 1]) / den if den != 0.0 else 1.0

    delta = ratio(0, T - 1)
    delta_y = [ratio(lo, hi) for lo, hi in years]

    # §5 price and billing; §13 prices by generation
    esc = [(1 + S.escalation) ** (t // 12) for t in range(T)]
    price = [S.list_price * (1 - S.discount) * esc[t] for t in range(T)]
    one_price = all(g["list"] == S.list_price for g in S.gens)
    if one_price:
        # every generation at [pricing] list_price: Σ_k U_k·p = U·p (v1's formulas, bit for bit)
        B = [U[t] * price[t] for t in range(T)]
        CP = None  # the floor is floor·C(t)·p(t)
        UL = [U[t] * S.list_price for t in range(T)]  # Σ_k U_k·list_g
    else:
        B = [0.0] * T
        CP = [0.0] * T
        UL = [0.0] * T
        for t in range(T):
            if C[t] == 0.0:
                continue
            pb, pc, pl = [], [], []
            for k in members:
                _, pk, gk = tser[k]
                if pk[t] == 0.0:
                    continue
                Ck = pk[t] * hours[t]
                Uk = U[t] * Ck / C[t]
                lg = S.gens[gk[t]]["list"]
                pg = lg * (1 - S.discount) * esc[t]
                pb.append(Uk * pg)
                pc.append(Ck * pg)
                pl.append(Uk * lg)
            B[t], CP[t], UL[t] = math.fsum(pb), math.fsum(pc), math.fsum(pl)
    F = [0.0] * T
    Sh = [0.0] * T
    Sh0 = [0.0] * T  # shortfall with zero usage (§9 coverage)
    if S.top is not None:
        w0 = max(0, S.top["frm"])
        w1 = min(T - 1, S.top["until"])
        for t in range(w0, w1 + 1):
            # one price: v1's floor·C·p in v1's order of operations
            F[t] = S.top["floor"] * C[t] * price[t] if one_price else S.top["floor"] * CP[t]
        if S.top["settle"] == "monthly":
            for t in range(w0, w1 + 1):
                Sh[t] = max(0.0, F[t] - B[t])
                Sh0[t] = max(0.0, F[t])
        elif S.top["settle"] == "annual":
            for y in range((T + 11) // 12):
                lo = max(12 * y, w0)
                hi = min(12 * y + 11, T - 1, w1)
                if lo > hi:
                    continue
                sf = math.fsum(F[lo:hi + 1])
                sb = math.fsum(B[lo:hi + 1])
                Sh[hi] += max(0.0, sf - sb)
                Sh0[hi] += max(0.0, sf)
        else:
            raise ValueError("settle must be monthly or annual")
    # §13 capacity charge on delivered capacity, escalated, no discount
    K = [S.capacity_charge * esc[t] * cap[t] for t in range(T)]
    # §13 minimums: e_y = δ_y and e = δ when excused (v2 default), else 1
    excused = v2 and S.excused
    Xy = [0.0] * T
    Xy0 = [0.0] * T
    for y, m in S.min_annual.items():
        lo, hi = years[y]
        e_y = delta_y[y] if excused else 1.0
        Xy[hi] = max(0.0, m * e_y - math.fsum(B[t] + Sh[t] + K[t] for t in range(lo, hi + 1)))
        Xy0[hi] = max(0.0, m * e_y - math.fsum(Sh0[t] + K[t] for t in range(lo, hi + 1)))
    X = [0.0] * T
    X0 = [0.0] * T
    if S.min_total_spend is not None:
        e = delta if excused else 1.0
        X[T - 1] = max(0.0, S.min_total_spend * e - math.fsum(B[t] + Sh[t] + K[t] + Xy[t] for t in range(T)))
        X0[T - 1] = max(0.0, S.min_total_spend * e - math.fsum(Sh0[t] + K[t] + Xy0[t] for t in range(T)))
    P = [B[t] + Sh[t] + K[t] + Xy[t] + X[t] for t in range(T)]
    binding = S.binding or not v2
    # §13 zero-usage revenue; a non-binding deal has ZR ≡ 0
    Z = [Sh0[t] + K[t] + Xy0[t] + X0[t] if binding else 0.0 for t in range(T)]

    # §14 credit and credit support
    forced = defaults is not None
    dflt = {}
    for pid, d in (defaults or {}).items():
        if pid != "buyer" and pid not in S.party_ids:
            raise ValueError(f"--default names unknown party {pid!r}")
        d = max(0, int(d))
        if d < T:
            dflt[pid] = d
    db = dflt.get("buyer", T)  # buyer's default period, T = none within the term
    # the unused capacity at the contract prices: Σ_k (C_k − U_k)·p_g = Σ_k C_k·p_g − B
    CPt = [C[t] * price[t] for t in range(T)] if one_price else CP
    Bcontract = list(B)  # the usage charge as contracted (remarketing base)
    bk_prom, bk0_prom, bk_paid = {}, {}, {}
    for bk in S.backstops:
        w0, w1 = max(0, bk["frm"]), min(T - 1, bk["until"])
        inw = [w0 <= t <= w1 for t in range(T)]
        owed = [bk["share"] * max(0.0, CPt[t] - B[t]) * bk["price"] if inw[t] else 0.0 for t in range(T)]
        zero = [bk["share"] * CPt[t] * bk["price"] if inw[t] else 0.0 for t in range(T)]
        bk_prom[bk["id"]] = capped(owed, bk["cap"])
        bk0_prom[bk["id"]] = capped(zero, bk["cap"])
        dk = dflt.get(bk["id"], T)
        bk_paid[bk["id"]] = [x if t < dk else 0.0 for t, x in enumerate(bk_prom[bk["id"]])]
    DF = [(1.0 + S.disc) ** (-(t + 1) / 12.0) for t in range(T)]

    def guarantee_promised(d, owed=Z):
        """G_d per guarantee: share·owed(t) for t ≥ d, cut at the cap. owed is ZR (the
        zero-usage basis of the coverage figures) or, in cash after a buyer default, the
        obligation net of re-marketing L = max(0, ZR − M) (reading 5a)."""
        return {g["id"]: [0.0] * d + capped([g["share"] * owed[t] for t in range(d, T)], g["cap"])
                for g in S.guarantees}

    def claim(d, Gd, owed=Z):
        """claim_d = Σ_{t≥d} (owed − Σ_g G_d)·(1+r)^−(τ(t)−τ(d)), floored at 0."""
        c = math.fsum((owed[t] - math.fsum(Gd[g][t] for g in Gd)) * (1.0 + S.disc) ** (-(t - d) / 12.0)
                      for t in range(d, T))
        return max(0.0, c)

    Rb = S.buyer_credit["R"] if S.buyer_credit else 0.4
    recovery = [0.0] * T
    remarket = [0.0] * T
    guar_paid = {g["id"]: [0.0] * T for g in S.guarantees}
    # the zero-usage basis (reading 14): recovery R·claim on ZR and guarantees on share·ZR
    recovery0 = [0.0] * T
    guar_paid0 = {g["id"]: [0.0] * T for g in S.guarantees}
    if db < T:
        for t in range(db, T):
            remarket[t] = S.remarket * Bcontract[t]
        # mitigation (README reading 5): what the buyer still owes once re-marketing has earned
        # M(t), re-marketing beyond a month's ZR carried forward to later months (b, the Lindley
        # recursion), so a lump of ZR (annual settlement, yearly minimum, min_total_spend true-up)
        # is netted against the re-marketing of the months before it
        L = [0.0] * T
        b = 0.0
        for t in range(db, T):
            L[t] = max(0.0, Z[t] - remarket[t] - b)
            b = max(0.0, b + remarket[t] - Z[t])
        Gd = guarantee_promised(db, L)
        recovery[db] = Rb * claim(db, Gd, L)
        Gd0 = guarantee_promised(db)
        recovery0[db] = Rb * claim(db, Gd0)
        for g in S.guarantees:
            dg = dflt.get(g["id"], T)
            guar_paid[g["id"]] = [x if t < dg else 0.0 for t, x in enumerate(Gd[g["id"]])]
            guar_paid0[g["id"]] = [x if t < dg else 0.0 for t, x in enumerate(Gd0[g["id"]])]
        for t in range(db, T):
            B[t] = Sh[t] = K[t] = Xy[t] = X[t] = P[t] = 0.0
    Gsum = [math.fsum(guar_paid[g][t] for g in guar_paid) for t in range(T)]
    G0sum = [math.fsum(guar_paid0[g][t] for g in guar_paid0) for t in range(T)]
    Bksum = [math.fsum(bk_paid[k][t] for k in bk_paid) for t in range(T)]
    revenue = [P[t] + recovery[t] + remarket[t] + Gsum[t] + Bksum[t] for t in range(T)]

    # §6 provider economics
    energy = [cap[t] * hours[t] * S.pue * (S.idle_power + (1 - S.idle_power) * util[t]) for t in range(T)]
    power = [energy[t] * S.power_price * (1 + S.power_esc) ** (t // 12) * power_factor for t in range(T)]
    fixed = [S.fixed_opex * cap[t] / 12.0 for t in range(T)]
    ebitda = [revenue[t] - power[t] - fixed[t] for t in range(T)]

    spends = []  # (period, amount, life months, tranche)
    fac_spends = []  # (period, amount, life months): the facility part (§15 market value)
    for k in members:
        tr = S.tranches[k]
        o = onl[k]
        amt = tr["mw"] * S.fac_capex * capex_factor
        if tr["bm"] == 0:
            if o < T:
                spends.append((o, amt, S.fac_life, k))
                fac_spends.append((o, amt, S.fac_life))
        else:
            for p in range(o - tr["bm"], o):
                pp = max(0, p)
                if pp < T:
                    spends.append((pp, amt / tr["bm"], S.fac_life, k))
                    fac_spends.append((pp, amt / tr["bm"], S.fac_life))
        for f, g in fits[k]:
            spends.append((f, tr["mw"] * S.gens[g]["ccpm"] * capex_factor, S.gens[g]["life"], k))
    capex = [0.0] * T
    dep = [0.0] * T
    nbv = 0.0
    for s, amt, L, _ in spends:
        capex[s] += amt
        if L <= 0:
            continue
        for t in range(s, min(T, s + L)):
            dep[t] += amt / L
        nbv += amt * max(0, L - (T - s)) / L

    tax = [0.0] * T
    lcf = 0.0
    for lo, hi in years:
        inc = math.fsum(ebitda[t] - dep[t] for t in range(lo, hi + 1))
        taxable = max(0.0, inc - lcf)
        if inc < 0:
            lcf += -inc
        else:
            lcf = max(0.0, lcf - inc)
        tax[hi] = S.tax_rate * taxable
    # §15 market value: chip lots in service at chip_resale(age)·resale_factor + facility book value
    fac_nbv = [math.fsum(a * max(0, L - (t - s + 1)) / L for s, a, L in fac_spends if s <= t and L > 0)
               for t in range(T)]
    chip_mv = [0.0] * T
    if S.chip_resale is not None:
        for k in members:
            fl = fits[k]
            for j, (f, g) in enumerate(fl):
                amt = S.tranches[k]["mw"] * S.gens[g]["ccpm"] * capex_factor
                end = fl[j + 1][0] if j + 1 < len(fl) else T
                for t in range(f, min(end, T)):
                    chip_mv[t] += amt * resale(S.chip_resale, (t - f + 1) / 12.0) * resale_factor
    mv = [chip_mv[t] + fac_nbv[t] for t in range(T)] if S.chip_resale is not None else None
    residual = [0.0] * T
    if S.chip_resale is not None:
        residual[T - 1] = chip_mv[T - 1] + S.residual_fraction * fac_nbv[T - 1]
    else:
        residual[T - 1] = S.residual_fraction * nbv
    fcf = [ebitda[t] - capex[t] - tax[t] + residual[t] for t in range(T)]
    cfads = [ebitda[t] - tax[t] for t in range(T)]

    # payback
    cum = 0.0
    neg = False
    payback = 0
    for t in range(T):
        cum += fcf[t]
        if cum < 0:
            neg = True
        elif neg:
            payback = t + 1
            break
    else:
        payback = None if neg else 0

    # financing
    draw = [0.0] * T
    ds = [0.0] * T
    outstanding = 0.0
    balance = [0.0] * T  # §15 end-of-period balance after draws, interest and service
    sculpted = S.fin is not None and S.fin["sizing"] == "sculpted"
    # §15 r0 = 1 + max over firm tranches of n_k (1 with none), capped at T−1 (both sizings)
    firm_n = [max(0, tr["online"]) for tr in S.tranches if tr["kind"] == "firm"]
    r0 = max(0, min(T - 1, 1 + (max(firm_n) if firm_n else 0)))
    sizing = None
    if sculpted:
        i = S.fin["rate"] / 12.0
        N = S.fin["n"]
        W = list(range(r0, min(T - 1, r0 + N - 1) + 1))
        base_case = (demand_factor == 1.0 and power_factor == 1.0 and capex_factor == 1.0
                     and not any(delays.values()) and not any(slips.values()) and not dflt)
        if base_case:
            Kc = math.fsum(capex[t] * (1 + i) ** (r0 - 1 - t) for t in range(r0))
            dss = {t: max(0.0, cfads[t]) / S.fin["target"] for t in W}
            Dstar = math.fsum(dss[t] * (1 + i) ** (-(t - r0 + 1)) for t in W)
            if Kc > 0 and Dstar > 0 and S.fin["max_gearing"] > 0:
                g = min(S.fin["max_gearing"], Dstar / Kc)
                bound = "gearing" if S.fin["max_gearing"] <= Dstar / Kc else "dscr"
                DSb = [dss[t] * g * Kc / Dstar if t in dss else 0.0 for t in range(T)]
            else:
                g, bound, DSb = 0.0, None, [0.0] * T
            sizing = dict(r0=r0, window=[W[0], W[-1]] if W else None, K=Kc, D_star=Dstar, g=g,
                          B0=g * Kc, bound=bound, service=DSb)
        else:
            sizing = run(S, model=model, with_irr=False)["lender"]["sizing"]
        g = sizing["g"]
        for t in range(r0):
            draw[t] = g * capex[t]
        B0p = math.fsum(draw[t] * (1 + i) ** (r0 - 1 - t) for t in range(r0))
        if sizing["B0"] > 0:
            ds = [x * B0p / sizing["B0"] for x in sizing["service"]]
        b = 0.0
        for t in range(T):
            b = b * (1 + i) + draw[t] - ds[t]
            balance[t] = b
        outstanding = max(0.0, balance[T - 1])
    if S.fin is not None and not sculpted and S.fin["share"] > 0:
        i = S.fin["rate"] / 12.0
        N = S.fin["n"]
        for s, amt, _, k in spends:
            D = S.fin["share"] * amt
            if D == 0.0:
                continue
            draw[s] += D
            o = onl[k]
            # §15 balance of this draw: capitalized until it starts, then level payments
            start = o if s < o else s
            pm = None
            if not (s < o and o >= T) and N > 0:
                b0 = D * (1 + i) ** (start - s)
                pm = b0 * i / (1 - (1 + i) ** (-N)) if i != 0 else b0 / N
            bb = 0.0
            for t in range(s, T):
                if t == s:
                    bb = D
                elif pm is None and N <= 0 and t > start:
                    pass  # tenor 0: owed at once, no payments (v1 reports B0 at the end)
                else:
                    bb *= (1 + i)
                    if pm is not None and start < t <= start + N:
                        bb = 0.0 if t == start + N else bb - pm
                balance[t] += bb
            if s < o:
                if o >= T:
                    outstanding += D * (1 + i) ** (T - 1 - s)
                    continue
                B0 = D * (1 + i) ** (o - s)
                start = o
            else:
                B0 = D
                start = s
            if N <= 0:
                outstanding += B0
                continue
            pmt = B0 * i / (1 - (1 + i) ** (-N)) if i != 0 else B0 / N
            m = max(0, min(N, T - 1 - start))
            for t in range(start + 1, start + 1 + m):
                ds[t] += pmt
            if i != 0:
                bal = B0 * (1 + i) ** m - pmt * ((1 + i) ** m - 1) / i
            else:
                bal = B0 - m * pmt
            outstanding += max(0.0, bal) if m < N else 0.0
    dscrs = []
    for lo, hi in years:
        sds = math.fsum(ds[lo:hi + 1])
        if sds > 0:
            dscrs.append(math.fsum(cfads[lo:hi + 1]) / sds)
        else:
            dscrs.append(None)
    ys = [d for d in dscrs if d is not None]
    min_dscr = min(ys) if ys else None
    avg_dscr = sum(ys) / len(ys) if ys else None

    # §15 reserve: funded at the end of r0 with Σ DS(r0 … r0+m−1), pays DS − CFADS while it lasts,
    # what is left leaves in the period of the last service payment; payment default flag
    m = S.fin["dsra"] if S.fin is not None else 0
    has_debt = math.fsum(draw) > 0
    tested = S.fin is not None and has_debt and (sculpted or m > 0)
    fund = [0.0] * T
    rel_ = [0.0] * T  # everything that leaves the reserve (shortfalls paid and the final release)
    pay_default = None
    if tested:
        pay_default = False
        serv = [t for t in range(T) if ds[t] > 0]
        last = serv[-1] if serv else -1
        left = 0.0
        for t in range(r0, T):
            if t == r0 and m > 0:
                fund[t] = math.fsum(ds[r0:min(T, r0 + m)])
                left = fund[t]
            if ds[t] > 0:
                if cfads[t] + left < ds[t] - TOL * max(1.0, abs(ds[t])):
                    pay_default = True
                if cfads[t] < ds[t]:
                    use = min(left, ds[t] - cfads[t])
                    left -= use
                    rel_[t] += use
            if t == last:
                rel_[t] += left
                left = 0.0
    # §15 sponsor flow, ratios, LTV
    sponsor = [fcf[t] + draw[t] - ds[t] - fund[t] + rel_[t] for t in range(T)]
    sponsor[T - 1] -= outstanding
    eq_rate = S.fin["eq_rate"] if S.fin is not None else S.disc
    sirr, smulti, _ = irr(sponsor) if with_irr else (None, False, [])
    sum_capex = math.fsum(capex)
    gearing = math.fsum(draw) / sum_capex if sum_capex != 0 else None
    llcr = None
    if sculpted and has_debt:
        i = S.fin["rate"] / 12.0
        W = range(r0, min(T - 1, r0 + S.fin["n"] - 1) + 1)
        B0p = math.fsum(draw[t] * (1 + i) ** (r0 - 1 - t) for t in range(r0))
        if B0p > 0:
            llcr = math.fsum(cfads[t] * (1 + i) ** (-(t - r0 + 1)) for t in W) / B0p
    ltv = [None] * T
    max_ltv = None
    ltv_fail = False
    if mv is not None and has_debt:
        for t in range(T):
            if mv[t] > 0:
                ltv[t] = balance[t] / mv[t]
            if balance[t] > 0:
                if mv[t] <= 0:
                    ltv_fail = True
                else:
                    max_ltv = ltv[t] if max_ltv is None else max(max_ltv, ltv[t])

    # §7 equity
    cum_p = []
    cum_u = []
    acc_p = acc_u = 0.0
    for t in range(T):
        acc_p += P[t]
        acc_u += U[t]
        cum_p.append(acc_p)
        cum_u.append(acc_u)

    def u12(t):
        lo = max(0, t - 11)
        sc = math.fsum(C[lo:t + 1])
        return math.fsum(U[lo:t + 1]) / sc if sc != 0 else 0.0

    metric_at = {
        "cumulative_payments": lambda t: cum_p[t],
        "cumulative_pflop_hours": lambda t: cum_u[t],
        "capacity_mw": lambda t: cap[t],
        "utilization_12m": u12,
    }
    eq_paid = [0.0] * T
    eq_period = {}
    eq_rt = 0.0
    eq_consid = []
    for e in S.equity:
        paid = None
        if e["at"] is not None:
            p = max(0, e["at"])
            if p < T and p < db:  # §7 v2: nothing is paid in or after the buyer's default
                paid = p
        else:
            terms = parse_condition(e["when"])
            last = T - 1 if e["deadline"] is None else min(T - 1, max(0, e["deadline"]))
            last = min(last, db - 1)
            for t in range(0, last + 1):
                if all(ge_tol(metric_at[m](t), v) for m, v in terms):
                    paid = t
                    break
        eq_period[e["id"]] = paid
        if paid is not None:
            eq_paid[paid] += e["amount"]
            eq_rt += e["round_trip"] * e["amount"]
            eq_consid.append(e["consideration"] * e["amount"])
    eq_total = math.fsum(eq_paid)
    # §7 v2: the shares the buyer hands over, at exit_multiple, in T−1
    handback = S.exit_multiple * math.fsum(eq_consid)
    if db < T:
        handback = 0.0  # §14: shares of a buyer that defaults within the term are worth nothing

    deal_cf = [fcf[t] - eq_paid[t] for t in range(T)]
    deal_cf[T - 1] += handback

    # §8 buyer; §13 value by generation
    if S.value_given:
        value = [U[t] * S.value_per_ph for t in range(T)]
    else:
        value = UL  # Σ_k U_k·list_g (= U·list_price with one price)
    buyer_cf = [value[t] - P[t] + eq_paid[t] if t < db else 0.0 for t in range(T)]
    if v2:
        buyer_cf[T - 1] -= handback
    sumP = math.fsum(P)
    sumU = math.fsum(U)
    sumUL = math.fsum(UL)
    # §14: effective price and discount use the buyer's usage before its default
    sumUb = sumU if db >= T else math.fsum(U[:db])
    sumULb = sumUL if db >= T else math.fsum(UL[:db])
    eff_price = sumP / sumUb if sumUb != 0 else None
    if one_price:
        # none with a list price of 0 (a lease billed by capacity charge alone): nothing is
        # bought at a list price to discount from (the engine reads §8 the same way)
        eff_disc = (1 - eff_price / S.list_price) if eff_price is not None and S.list_price != 0 else None
    else:
        eff_disc = (1 - sumP / sumULb) if sumULb != 0 else None

    # §9 verdicts
    pv_costs = npv([capex[t] + fixed[t] for t in range(T)], S.disc)
    coverage = npv(Z, S.disc) / pv_costs if pv_costs != 0 else None
    # §14 probabilities of default within the term, per party
    credits = {"buyer": S.buyer_credit}
    credits.update({x["id"]: x["credit"] for x in S.guarantees + S.backstops})
    Qs = {pid: survival(c, T) for pid, c in credits.items()}
    pd_term = {pid: 1.0 - Qs[pid][T - 1] for pid in credits}
    pvZ = npv(Z, S.disc)
    bk0_total = [math.fsum(bk0_prom[k][t] for k in bk0_prom) for t in range(T)]
    if not binding:
        num_cov = num_adj = 0.0  # §13: no backstop or guarantee counts
        credit_loss = 0.0
    elif forced:
        # §14 realized: ZR before d + R·claim_d + guarantee payments made + Bk0 until each default,
        # the claim and the guarantees on the zero-usage basis (ZR, not netted for re-marketing)
        got = npv([(Z[t] if t < db else 0.0) + recovery0[t] + G0sum[t] for t in range(T)], S.disc)
        bk0_made = [math.fsum(bk0_prom[bk["id"]][t] for bk in S.backstops if t < dflt.get(bk["id"], T))
                    for t in range(T)]
        num_cov = num_adj = got + npv(bk0_made, S.disc)
        credit_loss = pvZ - got
    else:
        Qb = Qs["buyer"]
        t1 = math.fsum(Z[t] * Qb[t] * DF[t] for t in range(T))
        t2 = []
        t3 = []
        if S.buyer_credit is not None:
            for d in range(T):
                pb = (1.0 if d == 0 else Qb[d - 1]) - Qb[d]
                if pb == 0.0:
                    continue
                Gd = guarantee_promised(d)
                t2.append(pb * DF[d] * Rb * claim(d, Gd))
                t3.append(pb * math.fsum(Gd[g][t] * Qs[g][t] * DF[t] for g in Gd for t in range(d, T)))
        t4 = math.fsum(bk0_prom[k][t] * Qs[k][t] * DF[t] for k in bk0_prom for t in range(T))
        num_adj = t1 + math.fsum(t2) + math.fsum(t3) + t4
        num_cov = pvZ + npv(bk0_total, S.disc) if S.backstops else None
        credit_loss = max(0.0, pvZ - (t1 + math.fsum(t2) + math.fsum(t3))) if S.buyer_credit else 0.0
    if pv_costs != 0:
        if num_cov is not None:
            coverage = num_cov / pv_costs
        credit_adj = num_adj / pv_costs
    else:
        credit_adj = None
    if not (S.buyer_credit or S.guarantees or S.backstops or forced):
        credit_adj = coverage  # no credit keys: the same figure, bit for bit
    contracted = binding and credit_adj is not None and ge_tol(credit_adj, S.th_coverage)
    # No DSCR (no debt service in the term): financeable only when no debt is drawn either
    # (docs/model.md §9: debt drawn and never serviced within the term is not financeable).
    if min_dscr is None:
        financeable = math.fsum(draw) == 0
    else:
        financeable = ge_tol(min_dscr, S.th_dscr)
    # §15 financeable v2
    if llcr is not None and not ge_tol(llcr, S.th_llcr):
        financeable = False
    if mv is not None and has_debt and (ltv_fail or (max_ltv is not None and not ge_tol(S.th_ltv, max_ltv))):
        financeable = False
    if pay_default:
        financeable = False
    deliverable = True
    deliv = []
    for k in members:
        tr = S.tranches[k]
        if tr["deadline"] is None:
            continue
        o = onl[k]
        ok = True
        if o >= T:
            ok = False
        else:
            if o > max(0, tr["deadline"]):
                ok = False
            if tr["promised"] is not None:
                g0 = fits[k][0][1]
                if g0 < S.gen_index[tr["promised"]]:
                    ok = False
        deliv.append((tr["id"], ok))
        deliverable = deliverable and ok
    if v2:
        deliverable = deliverable and ge_tol(delta, S.th_delivery)

    pirr, pmulti, proots = irr(fcf) if with_irr else (None, False, [])
    dirr, dmulti, _ = irr(deal_cf) if with_irr else (None, False, [])

    metrics = dict(
        provider_npv=npv(fcf, S.disc),
        provider_irr=pirr,
        irr_multiple_roots=pmulti,
        payback_months=payback,
        min_dscr=min_dscr,
        avg_dscr=avg_dscr,
        debt_outstanding_at_end=outstanding,
        debt_drawn=math.fsum(draw),
        provider_deal_npv=npv(deal_cf, S.disc),
        provider_deal_irr=dirr,
        provider_deal_irr_multiple_roots=dmulti,
        buyer_npv=npv(buyer_cf, S.buyer_rate),
        effective_price=eff_price,
        effective_discount=eff_disc,
        idle_payments=math.fsum(Sh) + math.fsum(Xy) + math.fsum(X),
        total_payments=sumP,
        total_usage_charges=math.fsum(B),
        total_shortfall=math.fsum(Sh),
        total_true_up=math.fsum(X),
        total_capex=math.fsum(capex),
        total_power_cost=math.fsum(power),
        total_fixed_opex=math.fsum(fixed),
        total_tax=math.fsum(tax),
        residual_value=residual[T - 1],
        total_available_pflop_hours=math.fsum(C),
        total_used_pflop_hours=sumU,
        average_utilization=(sumU / math.fsum(C)) if math.fsum(C) != 0 else None,
        peak_capacity_mw=max(cap),
        capacity_mw_at_end=cap[T - 1],
        coverage=coverage,
        circularity=(eq_rt / sumP) if sumP != 0 else None,
        equity_paid_total=eq_total,
        delivery_ratio=delta,
        # §14
        buyer_pd_term=pd_term["buyer"],
        credit_adjusted_coverage=credit_adj,
        expected_credit_loss=credit_loss,
        # §15
        llcr=llcr,
        gearing=gearing,
        max_ltv=max_ltv,
        sponsor_npv=npv(sponsor, eq_rate),
        sponsor_irr=sirr,
        payment_default=pay_default,
    )
    # v2 figures without an agreed engine name: compared only when the engine reports them
    extra_metrics = dict(
        total_capacity_charges=math.fsum(K),
        total_true_up_annual=math.fsum(Xy),
        equity_handback=handback if v2 else 0.0,
        total_zero_usage_revenue=math.fsum(Z),
    )
    monthly = dict(
        hours=hours, capacity_mw=cap, pflops=pfl, available_pflop_hours=C, used_pflop_hours=U,
        utilization=util, price=price, usage_charge=B, floor=F, shortfall=Sh, true_up=X,
        payments=P, energy_mwh=energy, power_cost=power, fixed_opex=fixed, ebitda=ebitda,
        capex=capex, depreciation=dep, tax=tax, residual=residual, fcf=fcf, cfads=cfads,
        debt_draw=draw, debt_service=ds, equity_paid=eq_paid, provider_deal_cf=deal_cf,
        buyer_cf=buyer_cf, zero_usage_revenue=Z,
        capacity_charge=K, true_up_annual=Xy, promised_capacity_mw=prom,
        guarantee=Gsum, backstop=Bksum, recovery=recovery, remarket=remarket,
        draws=draw, debt_balance=balance, sponsor_cf=sponsor,
        market_value=mv if mv is not None else [None] * T, ltv=ltv,
    )
    tranche_capacity = {S.tranches[k]["id"]: (tser[k][0] if exists[k] else [0.0] * T) for k in range(ntr)}
    return dict(
        deal=dict(id=S.id, term_months=T, start=month_label(S.start), binding=S.binding),
        model=model,
        metrics=metrics,
        extra_metrics=extra_metrics,
        annual_delivery_ratio=delta_y,
        verdicts=dict(contracted=contracted, financeable=financeable, deliverable=deliverable),
        options={d["tranche"]: d["exercised"] for d in decisions},
        option_decisions=decisions,
        equity=eq_period,
        fits={S.tranches[k]["id"]: [[f, S.gens[g]["name"]] for f, g in fits[k]] for k in members},
        online_periods={S.tranches[k]["id"]: onl[k] for k in range(ntr)},
        annual_dscr=dscrs,
        irr_roots=proots,
        deliverability=dict(deliv),
        monthly=monthly,
        tranche_capacity_mw=tranche_capacity,
        credit=pd_term,
        defaults={pid: d for pid, d in dflt.items()},
        credit_detail=dict(
            guarantee={g: guar_paid[g] for g in guar_paid}, backstop=bk_paid,
            backstop_zero_usage=bk0_prom, revenue=revenue),
        lender=dict(
            sizing=sizing, r0=r0, reserve_funding=fund, reserve_out=rel_,
            sponsor_irr_multiple_roots=smulti, chip_market_value=chip_mv, facility_book_value=fac_nbv),
    )


def load(path):
    with open(path, "rb") as fh:
        return Sheet(tomllib.load(fh))


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    model = argv[argv.index("--model") + 1] if "--model" in argv else "2.0"
    out = run(load(argv[1]), model=model)
    print(json.dumps(out, indent=1 if "--pretty" in argv else None))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
