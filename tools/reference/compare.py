#!/usr/bin/env python3
"""Cross-check the Rust engine against the independent reference (offtake_ref.py).

Runs `offtake underwrite FILE --json` and the reference on each term sheet, then prints, per
metric and per monthly series, the worst relative difference |a−b| / max(1, |a|, |b|), flagging
anything over 1e-6, and any mismatch in verdicts, options, equity periods, fits, online periods,
option decisions, yearly DSCR; under MODEL v2 also the delivery ratio, the v2 series and the
binding flag.

Usage: python3 compare.py [--bin PATH] [--verbose] [--model auto|1.2|2.0] [--default PARTY=YYYY-MM]...
FILE...   (default: the
examples, the engine's golden cases and tools/reference/cases/*.toml). `--model auto` (default)
reads the engine's JSON: MODEL v2.0 when it reports `metrics.delivery_ratio`, else v1.2 (the
reference then runs with v1.2's readings and the v2 names are not compared). Exit 1 when anything
is flagged.
"""

import glob
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import offtake_ref  # noqa: E402

FLAG = 1e-6

# Names MODEL v2 (issue 15) adds to `underwrite --json`; not compared against a v1.2 engine.
V2_METRICS = {"delivery_ratio"}
V2_SERIES = {"capacity_charge", "true_up_annual", "promised_capacity_mw"}
# Names of MODEL v2 §14 (issue 16) and §15 (issue 17): compared only when the engine reports them,
# so the comparison passes against an engine without them and checks them once they land.
LATER_METRICS = {"buyer_pd_term", "credit_adjusted_coverage", "expected_credit_loss",
                 "llcr", "gearing", "max_ltv", "sponsor_npv", "sponsor_irr", "payment_default"}
LATER_SERIES = {"guarantee", "backstop", "recovery", "remarket",
                "draws", "debt_balance", "sponsor_cf", "market_value", "ltv"}


def engine_model(eng):
    """The MODEL version an engine's JSON speaks: 2.0 when it reports the delivery ratio."""
    return "2.0" if "delivery_ratio" in eng.get("metrics", {}) else "1.2"


def engine_binding(eng):
    """`deal.binding`, or a top-level `binding` member (both accepted); None when absent."""
    deal = eng.get("deal")
    if isinstance(deal, dict) and "binding" in deal:
        return deal["binding"]
    return eng.get("binding")


def rel(a, b, scale=1.0):
    """Relative difference; None vs number is infinite, None vs None is 0. scale is the
    smallest denominator: 1 by default; the loan drawn for what is left of a loan, which ends at 0
    up to the rounding of a balance of that size (a residue of 1e-6 USD on a 2e9 loan is not a
    disagreement)."""
    if a is None and b is None:
        return 0.0
    if a is None or b is None:
        return float("inf")
    if isinstance(a, bool) or isinstance(b, bool):
        return 0.0 if a == b else float("inf")
    return abs(a - b) / max(scale, abs(a), abs(b))


# Figures that end a loan at 0: compared at the scale of the loan drawn (see rel).
LOAN_SCALED = {"debt_outstanding_at_end", "debt_balance"}


def engine(binary, path, extra=()):
    out = subprocess.run([binary, "underwrite", path, "--json", *extra], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"engine failed on {path}: {out.stderr.strip()}")
    return json.loads(out.stdout)


def compare(eng, ref):
    """Return (rows, problems): rows = [(kind, name, worst rel, detail)]."""
    rows = []
    v2 = ref.get("model", "1.2") == "2.0"
    loan_scale = max(1.0, abs(eng["metrics"].get("debt_drawn") or 0.0))
    for name, rv in ref["metrics"].items():
        if name in V2_METRICS and not v2:
            continue
        if name in LATER_METRICS and name not in eng["metrics"]:
            continue
        ev = eng["metrics"].get(name, "<missing>")
        if ev == "<missing>":
            rows.append(("metric", name, float("inf"), f"engine lacks {name}"))
            continue
        scale = loan_scale if name in LOAN_SCALED else 1.0
        rows.append(("metric", name, rel(ev, rv, scale), f"engine={ev!r} ref={rv!r}"))
    # v2 totals without an agreed name: compared when the engine reports them under that name
    for name, rv in ref.get("extra_metrics", {}).items():
        if v2 and name in eng["metrics"]:
            rows.append(("metric", name, rel(eng["metrics"][name], rv), f"engine={eng['metrics'][name]!r} ref={rv!r}"))
    for name, rs in ref["monthly"].items():
        if name in V2_SERIES and not v2:
            continue
        if name in LATER_SERIES and name not in eng["monthly"]:
            continue
        es = eng["monthly"].get(name)
        if es is None and name in ("market_value", "ltv") and all(v is None for v in rs):
            # §15: the engine writes a series that does not exist (no chip_resale, no debt) as
            # one null, the reference as a null per period
            rows.append(("series", name, 0.0, ""))
            continue
        if es is None or len(es) != len(rs):
            rows.append(("series", name, float("inf"), "missing or wrong length"))
            continue
        worst, at = 0.0, None
        scale = loan_scale if name in LOAN_SCALED else 1.0
        for t, (a, b) in enumerate(zip(es, rs)):
            d = rel(a, b, scale)
            if d > worst:
                worst, at = d, t
        detail = "" if at is None else f"worst t={at}: engine={es[at]!r} ref={rs[at]!r}"
        rows.append(("series", name, worst, detail))
    for tid, rs in ref["tranche_capacity_mw"].items():
        es = eng["monthly"]["tranche_capacity_mw"].get(tid)
        worst = max((rel(a, b) for a, b in zip(es, rs)), default=0.0) if es else float("inf")
        rows.append(("series", f"tranche_capacity_mw.{tid}", worst, ""))
    # discrete results
    ed = [a["dscr"] for a in eng["annual"]]
    worst = max((rel(a, b) for a, b in zip(ed, ref["annual_dscr"])), default=0.0)
    rows.append(("annual", "dscr", worst, f"engine={ed} ref={ref['annual_dscr']}" if worst > FLAG else ""))
    if v2:
        eb = engine_binding(eng)
        same = eb == ref["deal"]["binding"]
        rows.append(("exact", "binding", 0.0 if same else float("inf"),
                     "" if same else f"engine={eb!r} ref={ref['deal']['binding']!r}"))
        # the yearly delivery ratio, when the engine lists it per contract year
        if eng["annual"] and "delivery_ratio" in eng["annual"][0]:
            ey = [a["delivery_ratio"] for a in eng["annual"]]
            ry = ref["annual_delivery_ratio"]
            worst = max((rel(a, b) for a, b in zip(ey, ry)), default=0.0) if len(ey) == len(ry) else float("inf")
            rows.append(("annual", "delivery_ratio", worst, f"engine={ey} ref={ry}" if worst > FLAG else ""))
    # §14 per-party probabilities of default, when the engine reports its `credit` member
    if isinstance(eng.get("credit"), dict) and "credit" in ref:
        ec = eng["credit"]
        ec = ec.get("pd_term", ec) if isinstance(ec.get("pd_term"), dict) else ec
        worst = max((rel(ec.get(k), v) for k, v in ref["credit"].items()
                     if not isinstance(ec.get(k), dict)), default=0.0)
        rows.append(("exact", "credit", worst, f"engine={ec} ref={ref['credit']}" if worst > FLAG else ""))
    for key in ("verdicts", "options", "equity"):
        same = eng[key] == ref[key]
        rows.append(("exact", key, 0.0 if same else float("inf"),
                     "" if same else f"engine={eng[key]} ref={ref[key]}"))
    # a tranche without fits (unexercised, or never online) may be listed with [] or left out
    efits = {k: v for k, v in eng["fits"].items() if v}
    rfits = {k: v for k, v in ref["fits"].items() if v}
    same = efits == rfits
    rows.append(("exact", "fits", 0.0 if same else float("inf"), "" if same else f"engine={efits} ref={rfits}"))
    eon = {t["id"]: t["online_period"] for t in eng["tranches"]}
    same = eon == ref["online_periods"]
    rows.append(("exact", "online_periods", 0.0 if same else float("inf"),
                 "" if same else f"engine={eon} ref={ref['online_periods']}"))
    worst = 0.0
    # compared by tranche id: the listing order is presentation, not a decision
    for e, r in zip(sorted(eng["option_decisions"], key=lambda d: d["tranche"]),
                    sorted(ref["option_decisions"], key=lambda d: d["tranche"])):
        if e["tranche"] != r["tranche"] or e["exercised"] != r["exercised"]:
            worst = float("inf")
        worst = max(worst, rel(e["trailing_utilization"], r["trailing_utilization"]))
    if len(eng["option_decisions"]) != len(ref["option_decisions"]):
        worst = float("inf")
    rows.append(("exact", "option_decisions", worst,
                 f"engine={eng['option_decisions']} ref={ref['option_decisions']}" if worst > FLAG else ""))
    return rows


def default_files():
    files = sorted(glob.glob(os.path.join(ROOT, "examples", "*.toml")))
    files += sorted(glob.glob(os.path.join(ROOT, "crates", "offtake-engine", "tests", "cases", "*.toml")))
    files += sorted(glob.glob(os.path.join(HERE, "cases", "*.toml")))
    return files


def main(argv):
    binary = os.path.join(ROOT, "target", "debug", "offtake")
    verbose = False
    model = "auto"
    files = []
    forced = []  # MODEL v2 §14: --default PARTY=YYYY-MM, passed to the engine and the reference
    it = iter(argv[1:])
    for a in it:
        if a == "--bin":
            binary = next(it)
        elif a == "--default":
            forced.append(next(it))
        elif a == "--verbose":
            verbose = True
        elif a == "--model":
            model = next(it)
        else:
            files.append(a)
    files = files or default_files()
    flagged_any = False
    summary = []
    for path in files:
        name = os.path.relpath(path, ROOT)
        try:
            eng = engine(binary, path, [x for f in forced for x in ("--default", f)])
        except RuntimeError as err:
            print(f"== {name}: {err}")
            summary.append((name, float("inf"), "engine error"))
            flagged_any = True
            continue
        m = engine_model(eng) if model == "auto" else model
        sheet = offtake_ref.load(path)
        kw = {}
        if forced:
            kw["defaults"] = {f.split("=")[0]: offtake_ref.month_index(f.split("=")[1]) - sheet.start for f in forced}
        ref = offtake_ref.run(sheet, model=m, **kw)
        rows = compare(eng, ref)
        flagged = [r for r in rows if r[2] > FLAG]
        worst = max(rows, key=lambda r: r[2])
        summary.append((name, worst[2], f"{worst[0]}:{worst[1]}"))
        print(f"== {name} (MODEL {m}): worst {worst[2]:.3g} ({worst[0]} {worst[1]}), {len(flagged)} flagged")
        for kind, metric, d, detail in rows:
            if d > FLAG or verbose:
                mark = "FLAG" if d > FLAG else "    "
                print(f"  {mark} {kind:7s} {metric:36s} {d:.3g}  {detail}")
        flagged_any = flagged_any or bool(flagged)
    print("\nsummary (worst relative difference per case):")
    for name, d, what in summary:
        print(f"  {d:10.3g}  {'FLAG' if d > FLAG else 'ok  '}  {name}  [{what}]")
    return 1 if flagged_any else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
