#!/usr/bin/env python3
"""Cross-checks `offtake solve` against the independent reference (`offtake_ref.py`).

For each case (sheet, term, goal, range) it finds the goal's boundary in the term with the
reference model alone: a grid of 41 points over the range brackets every change of the goal
(pass ↔ fail), then bisection on the reference narrows each bracket to 1e-10 relative. It then runs
`offtake solve SHEET --vary TERM --target GOAL --range A..B --json` and checks:

- `status`: `found` when the reference sees one crossing, `several_crossings` for more,
  `infeasible` when the goal fails on every grid point, `holds_everywhere` when it holds on all;
- `value` (the engine's boundary) within 1e-5 relative of the reference's (the solver's stated
  tolerance is 1e-6 relative; the rest is the reference's own 1e-6 agreement with the engine);
- the goal evaluated by the reference on each side of the engine's value (value ∓ 1e-4 relative)
  fails on one side and holds on the other.

The term is edited in the parsed TOML (a provenance table's `value`, an array of tables by `id`),
never through the engine. Written from MODEL.md and the issue's description of `solve`, not from
the Rust code. Usage: `python3 solve_check.py [--bin PATH]`; exit 1 when anything is flagged.
"""
import copy
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import offtake_ref  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# (sheet, term, goal, low, high)
EX = "examples/amazon-anthropic-2026.toml"
CASES = [
    (EX, "pricing.discount", "provider_irr>=0.12", 0.0, 0.6),   # found (about 0.586)
    (EX, "pricing.list_price", "buyer_npv>=0", 1.0, 4.0),       # found (buyer NPV falls with price)
    (EX, "pricing.list_price", "min_dscr>=1.3", 0.5, 2.0),      # found (DSCR rises with price)
    (EX, "take_or_pay.floor", "contracted", 0.0, 1.0),          # infeasible (coverage ≤ 0.45)
    (EX, "commitment.min_total_spend", "buyer_npv>=0", 0.0, 300e9),  # holds everywhere
    (EX, "financing.debt_share", "min_dscr>=2", 0.0, 1.0),     # two: no DSCR at 0, too much debt
]


def set_term(sheet, path, value):
    """Sets TERM (dotted path; `table.<id>.key` for an array of tables) in a parsed sheet."""
    parts = path.split(".")
    node = sheet
    i = 0
    while i < len(parts) - 1:
        key = parts[i]
        child = node[key]
        if isinstance(child, list):
            ident = parts[i + 1]
            matches = [t for t in child if t.get("id", t.get("name")) == ident]
            if len(matches) != 1:
                raise KeyError(f"{path}: no single {key} with id {ident}")
            node = matches[0]
            i += 2
        else:
            node = child
            i += 1
    leaf = parts[-1]
    if isinstance(node.get(leaf), dict):
        node[leaf]["value"] = value
        node[leaf].pop("alternatives", None)
    else:
        node[leaf] = value


def goal_holds(out, goal):
    if goal in ("contracted", "financeable", "deliverable"):
        return bool(out["verdicts"][goal])
    if goal == "all":
        return all(out["verdicts"].values())
    for op in (">=", "<=", ">", "<"):
        if op in goal:
            name, bound = goal.split(op)
            x = out["metrics"][name.strip()]
            if x is None:
                return False
            b = float(bound)
            # MODEL §1's comparison tolerance for >= and <= (ge_tol), strict otherwise.
            return {">=": offtake_ref.ge_tol(x, b), "<=": offtake_ref.ge_tol(b, x),
                    ">": x > b, "<": x < b}[op]
    raise ValueError(goal)


def reference(raw, term, goal, x):
    sheet = copy.deepcopy(raw)
    set_term(sheet, term, x)
    return goal_holds(offtake_ref.run(offtake_ref.Sheet(sheet)), goal)


def ref_boundaries(raw, term, goal, lo, hi, n=41):
    xs = [lo + (hi - lo) * i / (n - 1) for i in range(n)]
    hs = [reference(raw, term, goal, x) for x in xs]
    if all(hs):
        return "holds_everywhere", []
    if not any(hs):
        return "infeasible", []
    roots = []
    for a, b, ha, hb in zip(xs, xs[1:], hs, hs[1:]):
        if ha == hb:
            continue
        while b - a > 1e-10 * max(1.0, abs(a), abs(b)):
            m = 0.5 * (a + b)
            if reference(raw, term, goal, m) == ha:
                a = m
            else:
                b = m
        roots.append(0.5 * (a + b))
    return ("found" if len(roots) == 1 else "several_crossings"), roots


def main(argv):
    binary = argv[argv.index("--bin") + 1] if "--bin" in argv else os.path.join(
        ROOT, "target", "debug", "offtake")
    flagged = 0
    for rel, term, goal, lo, hi in CASES:
        path = os.path.join(ROOT, rel)
        import tomllib
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
        status, roots = ref_boundaries(raw, term, goal, lo, hi)
        cmd = [binary, "solve", path, "--vary", term, "--target", goal,
               "--range", f"{lo!r}..{hi!r}", "--json"]
        run = subprocess.run(cmd, capture_output=True, text=True)
        if run.returncode != 0:
            print(f"FLAG {rel} {term} {goal}: exit {run.returncode}: {run.stderr.strip()}")
            flagged += 1
            continue
        got = json.loads(run.stdout)
        line = f"{os.path.basename(rel)} {term} {goal}: reference {status} {roots}, engine {got['status']} {got.get('value')}"
        bad = got["status"] != status
        if status == "found":
            v = got.get("value")
            r = roots[0]
            if v is None or abs(v - r) > 1e-5 * max(1.0, abs(r)):
                bad = True
            else:
                eps = 1e-4 * max(1.0, abs(v))
                below = reference(raw, term, goal, v - eps)
                above = reference(raw, term, goal, v + eps)
                if below == above:
                    bad = True
                    line += f" (goal {below} on both sides of the engine's value)"
        elif status == "several_crossings":
            got_roots = [c["value"] if isinstance(c, dict) else c for c in got.get("crossings", [])]
            if len(got_roots) != len(roots) or any(
                    abs(a - b) > 1e-5 * max(1.0, abs(b)) for a, b in zip(got_roots, roots)):
                bad = True
        print(("FLAG " if bad else "ok   ") + line)
        flagged += bad
    print(f"{len(CASES)} solve cases, {flagged} flagged")
    return 1 if flagged else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
