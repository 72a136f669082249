//! The HTML report's stylesheet: one palette (`crate::style`), system fonts, responsive layout
//! and print rules.

use offtake_model::Evidence;

use crate::style;

/// The stylesheet: one palette (crate::style), system fonts, responsive, print rules.
pub(super) fn stylesheet() -> String {
    let badge_rules: String = Evidence::ALL
        .iter()
        .copied()
        .map(Some)
        .chain([None])
        .map(|g| {
            let (bg, fg) = style::evidence_colours(g);
            format!(
                ".badge.{} {{ background: {}; color: {}; }}\n",
                g.map_or("ungraded", Evidence::name),
                bg.hex(),
                fg.hex()
            )
        })
        .collect();
    format!(
        r#":root {{ --ink: {ink}; --muted: {muted}; --grid: {grid}; --navy: {navy}; --pass: {pass}; --fail: {fail}; --bg: #F5F6F8; }}
*, *::before, *::after {{ box-sizing: border-box; }}
html {{ -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }}
body {{ margin: 0; background: var(--bg); color: var(--ink); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }}
main {{ max-width: 1080px; margin: 0 auto; padding: 24px 20px 40px; }}
code {{ font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .9em; }}
a {{ color: var(--navy); }}
h1 {{ font-size: 1.75rem; line-height: 1.2; margin: .2rem 0 .8rem; }}
h2 {{ font-size: 1.25rem; margin: 0 0 .8rem; padding-bottom: .3rem; border-bottom: 2px solid var(--navy); }}
header.cover {{ padding: 8px 0 4px; }}
.kicker {{ margin: 0; text-transform: uppercase; letter-spacing: .08em; font-size: .78rem; color: var(--muted); }}
.facts {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 4px 18px; margin: 0; }}
.facts div {{ display: flex; gap: 8px; }}
.facts dt {{ color: var(--muted); min-width: 6.5em; }}
.facts dd {{ margin: 0; }}
section {{ background: #fff; border: 1px solid var(--grid); border-radius: 8px; padding: 18px 20px; margin: 18px 0; }}
.verdicts {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(230px, 1fr)); gap: 12px; }}
.verdict {{ border: 1px solid; border-radius: 8px; padding: 12px 14px; }}
.verdict.pass {{ background: #E9F5EE; border-color: #A8D2B8; }}
.verdict.fail {{ background: #FBEBE7; border-color: #E8AE9F; }}
.verdict-name {{ font-size: .8rem; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); }}
.verdict-state {{ font-size: 1.35rem; font-weight: 700; }}
.verdict.pass .verdict-state {{ color: var(--pass); }}
.verdict.fail .verdict-state {{ color: var(--fail); }}
.verdict-figure {{ font-weight: 600; }}
.verdict-rule {{ font-size: .85rem; color: var(--muted); }}
.verdict-note {{ font-size: .85rem; margin: .4rem 0 0; }}
.verdict-mc {{ font-size: .85rem; margin: .4rem 0 0; padding-top: .4rem; border-top: 1px solid rgba(0,0,0,.12); }}
.kpis {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 10px; margin-top: 14px; }}
.kpi {{ border: 1px solid var(--grid); border-radius: 8px; padding: 10px 12px; }}
.kpi-label {{ font-size: .78rem; color: var(--muted); text-transform: uppercase; letter-spacing: .05em; }}
.kpi-value {{ font-size: 1.3rem; font-weight: 700; font-variant-numeric: tabular-nums; }}
.kpi-sub {{ font-size: .8rem; color: var(--muted); }}
.provenance-note, .note {{ font-size: .88rem; color: var(--muted); }}
.groups {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 6px 24px; }}
.table-wrap {{ overflow-x: auto; -webkit-overflow-scrolling: touch; margin: 0 0 12px; }}
table {{ border-collapse: collapse; width: 100%; font-size: .88rem; }}
caption {{ text-align: left; font-weight: 700; padding: 6px 0; }}
th, td {{ padding: 5px 8px; border-bottom: 1px solid var(--grid); text-align: left; vertical-align: top; }}
thead th {{ background: #EEF1F5; font-weight: 600; white-space: nowrap; }}
tfoot th, tfoot td {{ font-weight: 700; border-top: 2px solid var(--ink); }}
.num {{ text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }}
table.figures th {{ font-weight: normal; }}
table.figures td.num {{ white-space: normal; }}
table.compact {{ font-size: .78rem; }}
table.compact th, table.compact td {{ padding: 4px 4px; }}
table.compact tbody th {{ white-space: nowrap; }}
table.compact thead th {{ white-space: normal; vertical-align: bottom; min-width: 4.2em; }}
table.annual tbody th .line {{ display: block; }}
tr.dim td {{ color: var(--muted); }}
td strong {{ white-space: nowrap; }}
.line {{ color: var(--muted); font-size: .78rem; white-space: nowrap; }}
td.feeds {{ font-size: .78rem; color: var(--muted); min-width: 9em; }}
.badge {{ display: inline-block; padding: 0 8px; border-radius: 999px; font-size: .75rem; font-weight: 600; line-height: 1.6; white-space: nowrap; }}
{badge_rules}.grades .count {{ margin-right: 10px; font-weight: 600; }}
figure {{ margin: 0 0 16px; }}
figure svg, svg.chart {{ display: block; width: 100%; height: auto; }}
.chart-narrow {{ display: none; }}
figcaption {{ font-size: .85rem; color: var(--muted); margin-top: 6px; }}
footer {{ font-size: .8rem; color: var(--muted); padding: 0 4px; }}
@media (max-width: 640px) {{
  body {{ font-size: 14px; }}
  main {{ padding: 12px 8px 24px; }}
  section {{ padding: 12px 10px; margin: 12px 0; }}
  h1 {{ font-size: 1.35rem; }}
  .kpi-value {{ font-size: 1.1rem; }}
  .groups {{ grid-template-columns: 1fr; }}
  .chart-wide {{ display: none; }}
  .chart-narrow {{ display: block; }}
}}
@media print {{
  @page {{ margin: 12mm; }}
  * {{ -webkit-print-color-adjust: exact; print-color-adjust: exact; }}
  body {{ background: #fff; font-size: 9.5pt; }}
  main {{ max-width: none; padding: 0; }}
  section {{ border: none; border-radius: 0; padding: 0; margin: 0 0 6mm; break-before: page; }}
  section.keep-with-cover {{ break-before: auto; }}
  figure, .verdict, .kpi, table.figures, table.resting {{ break-inside: avoid; }}
  .chart-wide {{ display: block; }}
  .chart-narrow {{ display: none; }}
  figure svg, svg.chart {{ max-height: 110mm; }}
  tr {{ break-inside: avoid; }}
  thead {{ display: table-header-group; }}
  .table-wrap {{ overflow: visible; }}
  h2 {{ break-after: avoid; }}
  table {{ font-size: 8pt; }}
  th, td {{ padding: 3px 5px; }}
  code {{ overflow-wrap: anywhere; }}
  a {{ color: inherit; text-decoration: none; }}
}}
"#,
        ink = style::INK.hex(),
        muted = style::MUTED.hex(),
        grid = style::GRID.hex(),
        navy = style::NAVY.hex(),
        pass = style::GREEN.hex(),
        fail = style::RED.hex(),
    )
}
