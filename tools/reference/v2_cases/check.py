#!/usr/bin/env python3
"""Check the hand-worked `# expect:` lines of the staged MODEL v2 golden cases against the
Python reference (offtake_ref.py, MODEL 2.0).

The lines use the format of crates/offtake-engine/tests/golden.rs: `# expect: <path> = <value>`
with `<path>` in the engine's Outcome JSON (`metrics.x`, `schedule.x[t]`, `verdicts.x`,
`annual[y].delivery_ratio`), `<value>` a number, true/false, none; numbers within
1e-9·max(1, |expected|) unless the line ends with `~ <relative tolerance>`. `# scenario:` lines
(`delay_months = [..]` per tranche in file order, `slip_months = [..]` per generation,
`demand_factor`, `power_factor`, `capex_factor`, `resale_factor`) change the base scenario.
`# defaults: buyer=2027-07, g=2027-04` (MODEL v2 §14, like the CLI's `--default PARTY=YYYY-MM`)
runs a forced-default path: each named party defaults in that month's period, the others never.
Paths beyond the engine's Outcome (proposed names for §14/§15): `credit.<party>` (probability of
default within the term), `sizing.<g|K|D_star|B0|r0|bound>` (the sculpt), `annual[y].dscr`.

Usage: python3 check.py [FILE...]   (default: every *.toml beside this script). Exit 1 on a miss.
The MODEL v2 §13 and §15 (lender_*) cases written here now live in crates/offtake-engine/tests/cases/ with the
engine's other golden cases: `python3 check.py crates/offtake-engine/tests/cases/*.toml` checks
them all; lines on figures the reference does not report (fits, most annual columns) are counted
and skipped.
"""

import glob
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import offtake_ref  # noqa: E402


def scenario(text, sheet):
    kw = {}
    for line in text.splitlines():
        rest = line.strip().removeprefix("# scenario:")
        if rest == line.strip():
            continue
        key, value = (s.strip() for s in rest.split("=", 1))
        if key in ("demand_factor", "power_factor", "capex_factor", "resale_factor"):
            kw[key] = float(value)
        elif key == "delay_months":
            kw["delays"] = {tr["id"]: m for tr, m in zip(sheet.tranches, json.loads(value))}
        elif key == "slip_months":
            kw["slips"] = {g["name"]: m for g, m in zip(sheet.gens, json.loads(value))}
        else:
            raise ValueError(f"unknown scenario factor {key}")
    for line in text.splitlines():
        rest = line.strip().removeprefix("# defaults:")
        if rest == line.strip():
            continue
        kw.setdefault("defaults", {})
        for item in rest.split(","):
            party, date = (x.strip() for x in item.split("="))
            kw["defaults"][party] = offtake_ref.month_index(date) - sheet.start
    return kw


def lookup(out, path):
    """Outcome path → the reference's output."""
    head, _, rest = path.partition(".")
    if head == "metrics":
        name = rest
        if name in out["metrics"]:
            return out["metrics"][name]
        return out["extra_metrics"][name]
    if head == "verdicts":
        return out["verdicts"][rest]
    if head == "schedule":
        name, _, idx = rest.partition("[")
        return out["monthly"][name][int(idx.rstrip("]"))]
    if head.startswith("annual[") and rest == "delivery_ratio":
        return out["annual_delivery_ratio"][int(head[7:].rstrip("]"))]
    if head.startswith("annual[") and rest == "dscr":
        return out["annual_dscr"][int(head[7:].rstrip("]"))]
    if head == "credit":
        return out["credit"][rest]
    if head == "sizing":
        return out["lender"]["sizing"][rest]
    if head == "lender":
        # the engine's LenderView names (crates/offtake-engine/tests/cases/lender_*.toml)
        names = {"repayment_start": "r0", "capex_grown": "K", "debt_capacity": "D_star",
                 "gearing_target": "g", "bound": "bound", "balance_at_start": "B0"}
        if rest == "reserve_funded":
            return sum(out["lender"]["reserve_funding"])
        if rest == "repayment_start":
            return out["lender"]["r0"]
        return out["lender"]["sizing"][names[rest]]
    raise KeyError(path)


def check(path):
    with open(path) as fh:
        text = fh.read()
    sheet = offtake_ref.load(path)
    out = offtake_ref.run(sheet, **scenario(text, sheet))
    misses, n, skipped = [], 0, 0
    for line in text.splitlines():
        rest = line.strip().removeprefix("# expect:")
        if rest == line.strip():
            continue
        key, expected = (s.strip() for s in rest.split("=", 1))
        tol = 1e-9
        if "~" in expected:
            expected, t = (s.strip() for s in expected.split("~"))
            tol = float(t)
        try:
            actual = lookup(out, key)
        except (KeyError, IndexError, ValueError):
            skipped += 1  # a path the reference does not report (fits, annual rows, …)
            continue
        if expected == "none":
            ok = actual is None
        elif expected.startswith('"'):
            ok = actual == expected.strip('"')
        elif expected in ("true", "false"):
            ok = actual is (expected == "true")
        else:
            e = float(expected.replace("_", ""))
            ok = isinstance(actual, (int, float)) and not isinstance(actual, bool) \
                and abs(actual - e) <= tol * max(1.0, abs(e))
        n += 1
        if not ok:
            misses.append(f"{key}: expected {expected}, reference {actual!r}")
    return n, skipped, misses


def main(argv):
    files = argv[1:] or sorted(glob.glob(os.path.join(HERE, "*.toml")))
    bad = 0
    for f in files:
        n, skipped, misses = check(f)
        print(f"{'ok  ' if not misses else 'MISS'} {os.path.basename(f)}: {n} expectations"
              + (f" ({skipped} not in the reference)" if skipped else "")
              + "".join(f"\n     {m}" for m in misses))
        bad += bool(misses) or n == 0
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
