// The workbench: the editor is the single source of truth. Every edit checks and underwrites the
// text (at once when no request is out, else as soon as the one out answers, with the text as it is
// then: edits made meanwhile go together); a pause of
// 1 s starts a risk job (the previous one is cancelled) and the comparison of alternatives.

import { bars, histogram, lineVsThreshold } from "./charts.js";
import { events } from "./sse.js";
import { entry, hasTable, literal, locateIn, read, setValue } from "./toml.js";

const API = "/api/v1";
const $ = (id) => document.getElementById(id);
const ta = $("toml");

// Timings the browser test reads: when the last edit happened and when its verdicts were drawn.
const timings = { edits: 0, lastEdit: 0, lastVerdicts: 0, latencies: [], jobs: [], progress: [] };
window.offtake = { timings };

const money = (v) => {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  const a = Math.abs(v);
  const [d, s] = a >= 1e9 ? [1e9, "B"] : a >= 1e6 ? [1e6, "M"] : a >= 1e3 ? [1e3, "k"] : [1, ""];
  return `${v < 0 ? "−" : ""}$${(a / d).toFixed(a / d >= 100 ? 0 : 1)}${s}`;
};
const pct = (v) => (v === null || v === undefined || !Number.isFinite(v) ? "–" : `${(v * 100).toFixed(1)}%`);
const num = (v, d = 2) => (v === null || v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(d));

function setStatus(s) { $("status").textContent = s; }

// ---- the access token ----------------------------------------------------------------------
// Writes always need the server's token; reads need it too on a server off loopback (docs/server.md:
// the page). The field in the header holds it for this tab only (sessionStorage, never the URL) and
// every API request sends it as `Authorization: Bearer …` when it is set.

const TOKEN_KEY = "offtake-token";

function token() { return $("token").value.trim(); }

function withToken(headers = {}) {
  const t = token();
  return t ? { ...headers, Authorization: `Bearer ${t}` } : headers;
}

// An API request with the token; a 401 `unauthorized` shows the prompt.
async function api(path, init = {}) {
  const r = await fetch(API + path, { ...init, headers: withToken(init.headers) });
  if (r.status === 401) {
    const j = await r.clone().json().catch(() => null);
    if (j?.error?.code === "unauthorized") askForToken((init.method ?? "GET") !== "GET" && path.startsWith("/portfolio") ? "write" : "read");
  }
  return r;
}

async function post(path, body) {
  const r = await api(path, { method: "POST", headers: { "Content-Type": "application/toml" }, body });
  const json = await r.json().catch(() => null);
  return { status: r.status, json };
}

function askForToken(why) {
  const p = $("auth-prompt");
  const had = token() !== "";
  p.textContent = had
    ? "The server refused this access token. Enter the token it printed when it first started (otk_…) and press Use."
    : why === "write"
      ? "Saving to the portfolio needs the server's access token: enter it above (otk_…, printed when the server first started) and press Use."
      : "This server needs its access token for every request: enter it above (otk_…, printed when the server first started) and press Use.";
  p.hidden = false;
  document.body.dataset.auth = "needed";
  $("token").focus();
}

// The token was entered (or cleared): keep it for this tab and run again what failed.
function useToken(ev) {
  ev?.preventDefault();
  const t = token();
  if (t) sessionStorage.setItem(TOKEN_KEY, t);
  else sessionStorage.removeItem(TOKEN_KEY);
  $("auth-prompt").hidden = true;
  delete document.body.dataset.auth;
  route();
  rerun();
  clearTimeout(quietTimer);
  quietTimer = setTimeout(pause, 1000);
}

// ---- the editor: line numbers, marks at the lines of problems --------------------------------

function lineHeight() { return parseFloat(getComputedStyle(ta).lineHeight) || 20; }

function drawGutter(problemLines) {
  const n = ta.value.split("\n").length;
  const g = $("gutter");
  if (g.childElementCount !== n) {
    g.textContent = "";
    for (let i = 1; i <= n; i++) {
      const d = document.createElement("div");
      d.textContent = i;
      d.dataset.line = i;
      g.appendChild(d);
    }
  }
  for (const d of g.children) d.classList.toggle("error", problemLines.has(Number(d.dataset.line)));
  syncScroll();
}

function syncScroll() {
  $("gutter").scrollTop = ta.scrollTop;
  $("marks").firstElementChild?.style.setProperty("transform", `translateY(${-ta.scrollTop}px)`);
  layoutMarks();
}

// The width of one character of the editor's monospace font.
let charWidth = 0;
function columnWidth() {
  if (!charWidth) {
    const c = document.createElement("canvas").getContext("2d");
    c.font = getComputedStyle(ta).font;
    charWidth = c.measureText("0123456789").width / 10 || 8;
  }
  return charWidth;
}

// A problem's mark starts two columns after the end of its line, so it never covers the text
// being fixed; where the line leaves too little room (a long line, a phone) the mark is a narrow
// tab at the editor's right edge and the message is in the list under the editor.
const MARK_ROOM = 96;
function layoutMarks() {
  const marks = document.querySelectorAll("#marks .mark");
  if (!marks.length) return;
  const lines = ta.value.split("\n");
  const style = getComputedStyle(ta);
  const pad = parseFloat(style.paddingLeft) || 8;
  const tab = Number(style.tabSize) || 4;
  for (const m of marks) {
    const line = (lines[Number(m.dataset.line) - 1] ?? "").replace(/\r$/, "");
    let cols = 0;
    for (const ch of line) cols = ch === "\t" ? cols + tab - (cols % tab) : cols + 1;
    const left = pad + (cols + 2) * columnWidth() - ta.scrollLeft;
    const room = ta.clientWidth - left - 4;
    const compact = room < MARK_ROOM;
    m.classList.toggle("compact", compact);
    m.style.left = compact ? "" : `${Math.max(0, left)}px`;
    m.style.maxWidth = compact ? "" : `${room}px`;
  }
}

let problemLines = new Set();
function showDiagnostics(diags) {
  problemLines = new Set(diags.map((d) => d.line).filter(Boolean));
  drawGutter(problemLines);
  const marks = $("marks");
  marks.textContent = "";
  const layer = document.createElement("div");
  marks.appendChild(layer);
  const list = $("diagnostics");
  list.textContent = "";
  const h = lineHeight();
  for (const d of diags) {
    if (d.line) {
      const m = document.createElement("div");
      m.className = "mark";
      m.dataset.line = d.line;
      m.textContent = d.problem;
      m.title = d.help || d.problem;
      m.style.top = `${4 + (d.line - 1) * h}px`;
      layer.appendChild(m);
    }
    const li = document.createElement("li");
    li.dataset.line = d.line ?? "";
    li.textContent = `${d.line ? `line ${d.line}${d.column ? `:${d.column}` : ""}: ` : ""}${d.problem}`;
    if (d.help) {
      const help = document.createElement("span");
      help.className = "help";
      help.textContent = d.help;
      li.appendChild(help);
    }
    list.appendChild(li);
  }
  syncScroll();
}

// ---- verdicts, metrics, charts -----------------------------------------------------------------

const VERDICTS = {
  contracted: (f, t) => `coverage ${num(f, 3)} (needs ≥ ${num(t, 2)})`,
  financeable: (f, t) => (f === null || f === undefined ? "no debt to service" : `min DSCR ${num(f, 2)} (needs ≥ ${num(t, 2)})`),
  deliverable: (f) => `${num(f, 0)} tranche(s) late or short`,
};
let lastRisk = null;

function drawVerdicts(doc, stale) {
  const box = $("verdicts");
  box.textContent = "";
  for (const [name, describe] of Object.entries(VERDICTS)) {
    const d = doc?.verdict_details?.[name];
    const card = document.createElement("div");
    card.className = `verdict${stale ? " stale" : ""}`;
    card.id = `verdict-${name}`;
    card.dataset.passed = d ? String(d.passed) : "";
    card.title = d?.note ?? "";
    const h = document.createElement("h3");
    h.textContent = name;
    const word = document.createElement("div");
    word.className = "word";
    word.textContent = d ? (d.passed ? "yes" : "no") : "–";
    const fig = document.createElement("div");
    fig.className = "figure";
    fig.textContent = d ? describe(d.figure, d.threshold) : "";
    const prob = document.createElement("div");
    prob.className = "prob";
    prob.id = `prob-${name}`;
    const p = lastRisk?.probabilities?.[name];
    prob.textContent = p === undefined ? "" : `Monte Carlo: ${pct(p)} of paths`;
    card.append(h, word, fig, prob);
    box.appendChild(card);
  }
}

const METRICS = [
  ["provider_npv", "Provider NPV", money],
  ["provider_irr", "Provider IRR", pct],
  ["min_dscr", "Min DSCR", (v) => num(v, 2)],
  ["coverage", "Coverage", (v) => num(v, 3)],
  ["buyer_npv", "Buyer NPV", money],
  ["payback_months", "Payback (months)", (v) => (v === null ? "never" : String(v))],
  ["effective_price", "Effective price $/PFLOP-h", (v) => num(v, 3)],
  ["average_utilization", "Utilization", pct],
];

function drawMetrics(doc) {
  const dl = $("metrics");
  dl.textContent = "";
  for (const [key, label, fmt] of METRICS) {
    const div = document.createElement("div");
    const dt = document.createElement("dt");
    dt.textContent = label;
    const dd = document.createElement("dd");
    dd.id = `metric-${key}`;
    dd.textContent = fmt(doc.metrics[key]);
    div.append(dt, dd);
    dl.appendChild(div);
  }
}

let lastDoc = null;
function drawCharts(doc) {
  if (!doc) return;
  const labels = doc.annual.map((y) => `Y${y.year + 1}`);
  bars($("chart-fcf"), labels, doc.annual.map((y) => y.fcf), money);
  const threshold = doc.verdict_details?.financeable?.threshold ?? 1.3;
  lineVsThreshold($("chart-dscr"), labels, doc.annual.map((y) => y.dscr), threshold, (v) => num(v, 2), "no debt service: no DSCR to test");
}

// ---- key terms: sliders that write back into the text ------------------------------------------

const TERMS = [
  { path: "take_or_pay.floor", label: "Take-or-pay floor", min: 0, max: 1, step: 0.01 },
  { path: "pricing.discount", label: "Discount", min: 0, max: 1, step: 0.01 },
  { path: "commitment.min_total_spend", label: "Min total spend ($B)", min: 0, max: 500e9, step: 1e9, billions: true },
  // A sculpted loan is sized by its target DSCR: it has no debt share; a sheet without a loan
  // needs its rate and tenor too, not a share alone (docs/term-sheet.md).
  { path: "financing.debt_share", label: "Debt share", min: 0, max: 0.95, step: 0.01,
    off: (doc) => (entry(doc, "financing.sizing")?.value === "sculpted" && "a sculpted loan has no debt share: it is sized by its target DSCR")
      || (!hasTable(doc, "financing") && "no loan: add a [financing] table (debt_share, interest_rate, tenor_years) in the text") },
];

function buildTerms() {
  const box = $("terms");
  for (const t of TERMS) {
    const row = document.createElement("label");
    row.className = "term";
    const name = document.createElement("span");
    name.textContent = t.label;
    const range = document.createElement("input");
    Object.assign(range, { type: "range", min: t.min, max: t.max, step: t.step });
    range.id = `slider-${t.path}`;
    const field = document.createElement("input");
    const k = t.billions ? 1e9 : 1;
    Object.assign(field, { type: "number", min: t.min / k, max: t.max / k, step: t.step / k });
    field.id = `field-${t.path}`;
    const write = (v) => {
      const edit = setValue(ta.value, t.path, literal(v, t.billions));
      if (!edit) { readTerms(); return; } // not writable by a control (readTerms says why)
      ta.setRangeText(edit.insert, edit.start, edit.end, "preserve");
      edited();
    };
    range.addEventListener("input", () => { field.value = Number(range.value) / k; write(Number(range.value)); });
    field.addEventListener("change", () => {
      // An emptied or unreadable field changes nothing: it shows the text's number again.
      const v = field.value.trim() === "" ? NaN : Number(field.value) * k;
      if (!Number.isFinite(v)) { t.field.blur(); readTerms(); return; }
      range.value = v;
      write(v);
    });
    // Why the control is off, where a phone shows it too (a tooltip alone it does not).
    const why = document.createElement("span");
    why.className = "why";
    why.hidden = true;
    t.range = range;
    t.field = field;
    t.why = why;
    row.append(name, range, field, why);
    box.appendChild(row);
  }
}

// Each control shows its term's number in the text; where the term is there in a form a control
// cannot write (a schedule, a string, TOML this reader does not follow) or does not apply, the
// control is disabled and says why.
function readTerms() {
  const doc = read(ta.value);
  for (const t of TERMS) {
    const at = locateIn(doc, t.path);
    const off = at.unsupported || (t.off && !doc.unreadable && t.off(doc));
    t.range.disabled = t.field.disabled = Boolean(off);
    t.range.title = t.field.title = off || "";
    t.range.closest(".term").classList.toggle("off", Boolean(off));
    // A text that is not TOML for a moment (a half-typed value) keeps the numbers shown.
    t.why.hidden = !off || Boolean(doc.unreadable);
    t.why.textContent = off || "";
    if (doc.unreadable) continue;
    if (document.activeElement === t.range || document.activeElement === t.field) continue;
    const v = at.value;
    t.range.value = v ?? t.min;
    t.field.value = v === undefined ? "" : (t.billions ? v / 1e9 : v);
    t.field.placeholder = off ? "–" : v === undefined ? "not set" : "";
  }
}

// ---- the demand factor: a what-if on the run, never written into the text ----------------------

// 1 is the sheet as written (no `demand_factor` in the query, so the document is the plain one).
let demandFactor = 1;
const DEMAND_MIN = 0.01, DEMAND_MAX = 10; // the API's bounds (0.01 ≤ demand_factor ≤ 10)

function underwritePath() {
  return demandFactor === 1 ? "/underwrite" : `/underwrite?demand_factor=${demandFactor}`;
}

function showWhatIf() {
  const banner = $("what-if-banner");
  banner.hidden = demandFactor === 1;
  banner.textContent = demandFactor === 1 ? "" :
    `What-if: demand × ${demandFactor} (not in the term sheet). Verdicts, figures and charts assume it; risk and alternatives do not.`;
  $("reset-demand_factor").disabled = demandFactor === 1;
  if (document.activeElement !== $("slider-demand_factor")) $("slider-demand_factor").value = demandFactor;
  if (document.activeElement !== $("field-demand_factor")) $("field-demand_factor").value = demandFactor;
}

function setDemandFactor(v) {
  // The bounds hold for the rounded value, the one sent: the server would refuse any other.
  const x = Math.round(v * 1e6) / 1e6;
  if (!Number.isFinite(x) || x < DEMAND_MIN || x > DEMAND_MAX) {
    // Refused: the field shows the factor in use again, even while it has the focus.
    $("field-demand_factor").value = demandFactor;
    showWhatIf();
    return;
  }
  demandFactor = x;
  showWhatIf();
  rerun();
}

function buildWhatIf() {
  const range = $("slider-demand_factor");
  const field = $("field-demand_factor");
  range.addEventListener("input", () => { field.value = range.value; setDemandFactor(Number(range.value)); });
  field.addEventListener("change", () => setDemandFactor(Number(field.value)));
  $("reset-demand_factor").addEventListener("click", () => { range.value = 1; field.value = 1; setDemandFactor(1); });
  showWhatIf();
}

// ---- check + underwrite on every edit ----------------------------------------------------------

let seq = 0;
let waitingForValid = false; // a pause came while the text was not known to be valid
let validFor = null; // the text of the last answer that said it is valid
let inFlight = false;
let pending = false;
let quietTimer = null;

function edited() {
  readTerms();
  drawGutter(problemLines);
  clearTimeout(quietTimer);
  quietTimer = setTimeout(pause, 1000);
  const cancelled = stopRisk();
  riskStale(cancelled);
  rerun();
}

// Risk figures and the alternatives belong to the text they were run on. After an edit the
// Monte Carlo probabilities leave the verdict cards at once, and the histogram and the
// alternatives are marked as an earlier version's until the runs after the next pause replace
// them (they stay marked while the sheet is invalid, or when a run cannot start).
function riskStale(cancelled) {
  if (lastRisk) {
    lastRisk = null;
    for (const p of document.querySelectorAll("#verdicts .prob")) p.textContent = "";
  }
  // Only what has been drawn can be an earlier version's (not the empty cards at first load).
  const drawn = { risk: $("chart-npv").childElementCount > 0, alternatives: $("compare").rows.length > 0 };
  for (const [id, has] of Object.entries(drawn)) if (has) $(id).classList.add("stale");
  $("risk-status").textContent = cancelled ? "cancelled: the sheet changed"
    : drawn.risk ? "the sheet changed: risk runs again after a pause of 1 s" : "runs after a pause of 1 s";
}

// Underwrites again: after an edit of the text, or a new demand factor (which leaves the text, and
// so the risk job and the alternatives, as they are).
function rerun() {
  timings.edits += 1;
  timings.lastEdit = performance.now();
  // One check + underwrite out at a time: a change goes at once when none is out, else when the
  // one out answers (with the text as it is then). A fast typist's keystrokes so wait at most for
  // one answer, and a tab never has more than one pair of requests on the server.
  if (!inFlight) refresh();
  else pending = true;
}

async function refresh() {
  pending = false;
  const mine = ++seq;
  const text = ta.value;
  const editAt = timings.lastEdit;
  inFlight = true;
  try {
    const [check, uw] = await Promise.all([post("/check", text), post(underwritePath(), text)]);
    if (mine !== seq) return;
    const diags = check.json?.diagnostics ?? uw.json?.error?.diagnostics ?? [];
    showDiagnostics(diags);
    if (uw.status === 401) {
      drawVerdicts(lastDoc, true);
      setStatus("needs the server's access token");
      document.body.dataset.valid = "false";
    } else if (uw.status === 200) {
      lastDoc = uw.json;
      drawVerdicts(lastDoc, false);
      drawMetrics(lastDoc);
      drawCharts(lastDoc);
      setStatus(`${lastDoc.deal.name}: underwritten`);
      document.body.dataset.valid = "true";
      validFor = text;
    } else {
      drawVerdicts(lastDoc, true);
      const n = diags.length;
      setStatus(n ? `${n} problem${n === 1 ? "" : "s"} in the term sheet` : (uw.json?.error?.message ?? `error ${uw.status}`));
      document.body.dataset.valid = "false";
    }
    const now = performance.now();
    timings.lastVerdicts = now;
    timings.latencies.push(now - editAt);
  } catch (e) {
    setStatus(`the server did not answer: ${e}`);
  } finally {
    inFlight = false;
    if (pending) refresh();
    else if (waitingForValid && validFor === ta.value && performance.now() - timings.lastEdit >= 1000) pause();
  }
}

// ---- risk and the comparison after a pause ----------------------------------------------------

let job = null; // { id, stream: the AbortController of its event stream }

// Cancels the risk job under way, if any; says whether there was one.
function stopRisk() {
  if (!job) return false;
  const { id, stream } = job;
  job = null;
  stream.abort();
  api(`/jobs/${id}`, { method: "DELETE" }).catch(() => {});
  return true;
}

// After a pause: risk and the alternatives of the text as it is, once it is known to be valid.
// When the answer for the text is not in yet (a slow link) or says it is not valid, the runs
// wait: `refresh` starts them when a valid answer for the current text arrives after the pause.
async function pause() {
  if (document.body.dataset.valid !== "true" || pending || inFlight) {
    waitingForValid = true;
    $("risk-status").textContent = "waits for a valid term sheet";
    return;
  }
  waitingForValid = false;
  const text = ta.value;
  compare(text);
  await startRisk(text);
}

async function startRisk(text, tries = 0) {
  stopRisk();
  const paths = Math.max(1000, Number($("paths").value) || 5000);
  const r = await post(`/risk?paths=${paths}`, text);
  if (text !== ta.value) return;
  if (r.status === 429 && tries < 20) { setTimeout(() => text === ta.value && startRisk(text, tries + 1), 250); return; }
  if (r.status !== 202) { $("risk-status").textContent = r.json?.error?.message ?? `risk: error ${r.status}`; return; }
  const id = r.json.id;
  // The progress arrives as server-sent events, read with fetch() so the token goes in the
  // header (EventSource cannot send one); closing the stream cancels the job.
  const stream = new AbortController();
  job = { id, stream };
  timings.jobs.push(id);
  timings.progress = [];
  $("risk").dataset.state = "running";
  const bar = $("risk-bar");
  const progress = (ev) => {
    const s = JSON.parse(ev.data);
    bar.style.width = `${(100 * s.done_paths) / Math.max(1, s.total_paths)}%`;
    bar.dataset.fraction = s.done_paths / Math.max(1, s.total_paths);
    if (job?.id === id || s.state === "done") timings.progress.push(Number(bar.dataset.fraction));
    $("risk-status").textContent = `${s.done_paths.toLocaleString("en")} of ${s.total_paths.toLocaleString("en")} paths`;
    return s;
  };
  let end = null;
  try {
    const res = await api(`/jobs/${id}/events?cancel_on_disconnect=true`, { headers: { Accept: "text/event-stream" }, signal: stream.signal });
    if (!res.ok) throw new Error(`error ${res.status}`);
    for await (const ev of events(res.body)) {
      if (ev.type === "progress") progress(ev);
      if (ev.type === "end") { end = progress(ev); break; }
    }
  } catch (e) {
    if (stream.signal.aborted) return; // stopped by the page
  }
  if (job?.id !== id) return;
  job = null;
  if (!end) { $("risk-status").textContent = "lost the job's event stream"; return; }
  if (end.state !== "done") { $("risk-status").textContent = `risk job ${end.state}`; return; }
  const [res, hist] = await Promise.all([api(`/jobs/${id}/result`), api(`/jobs/${id}/histogram`)]);
  if (!res.ok || !hist.ok || text !== ta.value) return;
  lastRisk = await res.json();
  lastRisk.histogram = await hist.json();
  drawVerdicts(lastDoc, false);
  const npv = lastRisk.metrics.provider_npv;
  drawHistogram();
  $("risk").classList.remove("stale");
  $("risk").dataset.state = "done";
  $("risk-status").textContent = `${end.total_paths.toLocaleString("en")} paths in ${end.elapsed_seconds.toFixed(2)} s: NPV P5 ${money(npv.p5)}, P50 ${money(npv.p50)}, P95 ${money(npv.p95)}`;
}

function drawHistogram() {
  if (!lastRisk?.histogram) return;
  // The dashed base case is the sheet's own (the risk run's), not a what-if demand factor's.
  const base = lastRisk.tornado?.base?.provider_npv ?? lastDoc?.metrics?.provider_npv;
  histogram($("chart-npv"), lastRisk.histogram, base, lastRisk.metrics.provider_npv.p50, money);
}

async function compare(text) {
  const r = await post("/compare", text);
  if (r.status !== 200 || text !== ta.value) return;
  const t = $("compare");
  t.textContent = "";
  // Verdicts next to the run, as in the portfolio: on a phone the figures scroll sideways.
  header(t, ["run", "contracted", "financeable", "deliverable", "provider NPV", "IRR", "min DSCR", "coverage"], ["provider NPV", "IRR", "min DSCR", "coverage"]);
  for (const run of r.json.runs) {
    const row = t.insertRow();
    const name = row.insertCell();
    name.className = "run";
    breakable(name, runLabel(run));
    name.title = run.label;
    for (const v of ["contracted", "financeable", "deliverable"]) yesNo(row.insertCell(), run.verdicts[v]);
    for (const c of [money(run.metrics.provider_npv), pct(run.metrics.provider_irr), num(run.metrics.min_dscr), num(run.metrics.coverage, 3)]) {
      const td = row.insertCell();
      td.textContent = c;
      td.className = "num";
    }
  }
  $("alternatives").classList.remove("stale");
}

// `key = value` of an alternative (the API's label, `table.key=N (value)`, numbers it by its
// place in the sheet, which reads like a value: `discount=1`); the label stays as the title.
function runLabel(run) {
  const v = run.variant;
  if (!v || typeof v.value !== "number") return run.label;
  return `${v.term.slice(v.term.lastIndexOf(".") + 1)} = ${Math.abs(v.value) >= 1e6 ? money(v.value) : String(v.value)}`;
}

// `text` in `cell`, with a place to break after each `_` and `.` (a long term name wraps there
// on a phone rather than inside a word).
function breakable(cell, text) {
  cell.textContent = "";
  for (const part of text.split(/(?<=[_.])/)) cell.append(part, document.createElement("wbr"));
}

// A header row of `names`; those in `numbers` are right-aligned over their figures.
function header(table, names, numbers) {
  const head = table.insertRow();
  for (const h of names) {
    const th = document.createElement("th");
    th.textContent = h;
    if (numbers.includes(h)) th.className = "num";
    head.appendChild(th);
  }
}

function yesNo(td, v) {
  td.textContent = v ? "yes" : "no";
  td.className = v ? "yes" : "no";
}

// ---- portfolio and deal pages -----------------------------------------------------------------

async function showPortfolio() {
  const r = await api("/portfolio").catch(() => null);
  const deals = r?.ok ? await r.json() : [];
  const t = $("portfolio");
  t.textContent = "";
  // Verdicts first: on a phone the table scrolls sideways and they stay in view.
  header(t, ["deal", "contracted", "financeable", "deliverable", "provider NPV", "min DSCR", "buyer", "provider"], ["provider NPV", "min DSCR"]);
  const count = { contracted: 0, financeable: 0, deliverable: 0 };
  let npv = 0;
  for (const d of deals) {
    const row = t.insertRow();
    row.dataset.deal = d.deal_id;
    const a = document.createElement("a");
    a.href = `#deal/${encodeURIComponent(d.deal_id)}`;
    a.textContent = d.deal_id;
    row.insertCell().appendChild(a);
    for (const v of ["contracted", "financeable", "deliverable"]) {
      yesNo(row.insertCell(), d.verdicts?.[v]);
      if (d.verdicts?.[v]) count[v] += 1;
    }
    const m = d.metrics ?? {};
    npv += m.provider_npv ?? 0;
    for (const c of [money(m.provider_npv), num(m.min_dscr)]) Object.assign(row.insertCell(), { textContent: c, className: "num" });
    row.insertCell().textContent = d.buyer ?? "";
    row.insertCell().textContent = d.provider ?? "";
  }
  $("rollup").textContent = r?.status === 401 ? "The portfolio needs the server's access token: enter it above."
    : !r?.ok ? `The portfolio could not be read (${r ? `error ${r.status}` : "no answer"}).`
    : deals.length
    ? `${deals.length} deal${deals.length === 1 ? "" : "s"}: ${count.contracted} contracted, ${count.financeable} financeable, ${count.deliverable} deliverable; provider NPV ${money(npv)} in all`
    : "No deals stored yet: save a term sheet from the editor (it needs the access token).";
}

// Without a token the report is the iframe's own request; with one it is fetched with the
// header (an iframe or a link cannot send it) and shown from a blob: URL; the links download it.
let dealUrls = [];
async function showDeal(id) {
  for (const u of dealUrls) URL.revokeObjectURL(u);
  dealUrls = [];
  $("deal-title").textContent = id;
  const base = `/portfolio/${encodeURIComponent(id)}`;
  const links = $("deal-links");
  links.textContent = "Report: ";
  const link = (path, label, file) => {
    const a = document.createElement("a");
    a.href = API + path;
    a.textContent = label;
    a.download = "";
    a.addEventListener("click", async (ev) => {
      if (!token()) return;
      ev.preventDefault();
      const r = await api(path);
      if (!r.ok) return;
      const url = URL.createObjectURL(await r.blob());
      dealUrls.push(url);
      const save = document.createElement("a");
      Object.assign(save, { href: url, download: file });
      save.click();
    });
    return a;
  };
  for (const [f, label] of [["html", "HTML"], ["xlsx", "XLSX"], ["csv", "CSV"], ["json", "JSON"]]) {
    links.append(link(`${base}/report?format=${f}`, label, `${id}.${f}`), " ");
  }
  links.append("· ", link(`${base}/toml`, "term sheet", `${id}.toml`));
  const frame = $("deal-report");
  // A deal that is not stored gets a sentence, not the API's JSON error in the frame.
  const found = await api(base).catch(() => null);
  if (!location.hash.endsWith(encodeURIComponent(id))) return;
  frame.hidden = found?.status === 404;
  if (found?.status === 404) {
    links.textContent = `No deal "${id}" is stored in the portfolio.`;
    frame.removeAttribute("src");
    return;
  }
  if (!token()) { frame.src = `${API}${base}/report?format=html`; return; }
  frame.removeAttribute("src");
  const r = await api(`${base}/report?format=html`).catch(() => null);
  if (!r?.ok || !location.hash.endsWith(encodeURIComponent(id))) return;
  const { html, css } = unstyled(await r.text());
  const url = URL.createObjectURL(new Blob([html], { type: "text/html" }));
  dealUrls.push(url);
  frame.onload = () => {
    // A blob: document keeps this page's Content-Security-Policy, which refuses inline styles:
    // the report's own styles go in as a constructed stylesheet instead.
    const w = frame.contentWindow;
    if (!w || frame.src !== url) return;
    const sheet = new w.CSSStyleSheet();
    sheet.replaceSync(css);
    w.document.adoptedStyleSheets = [sheet];
  };
  frame.src = url;
}

// The report's HTML without its <style> elements and style attributes, and their CSS (each
// attribute as a rule on a data attribute left in its place). Done on the text: parsing it here
// (DOMParser) would already apply this page's policy to the styles.
function unstyled(text) {
  const css = [];
  let n = 0;
  const html = text
    .replace(/<style[^>]*>([\s\S]*?)<\/style>/gi, (_, rules) => { css.push(rules); return ""; })
    .replace(/<[a-zA-Z][^>]*>/g, (tag) => tag.replace(/\sstyle="([^"]*)"/i, (_, decl) => {
      const d = decl.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
      css.push(`[data-offtake-style="${n}"] { ${d} }`);
      return ` data-offtake-style="${n++}"`;
    }));
  return { html, css: css.join("\n") };
}

function route() {
  const h = decodeURIComponent(location.hash.slice(1));
  const view = h === "portfolio" ? "portfolio" : h.startsWith("deal/") ? "deal" : "editor";
  for (const v of ["editor", "portfolio", "deal"]) $(`view-${v}`).hidden = v !== view;
  if (view === "portfolio") showPortfolio();
  if (view === "deal") showDeal(h.slice(5));
  // Charts drawn while their view was hidden had no width: drawn again at the real one.
  if (view === "editor") { drawCharts(lastDoc); drawHistogram(); }
}

async function save() {
  const r = await api("/portfolio?replace=true", { method: "POST", headers: { "Content-Type": "application/toml" }, body: ta.value })
    .catch(() => null);
  const j = await r?.json().catch(() => null);
  $("save-status").textContent = r?.ok ? `saved as ${j.deal_id}`
    : r?.status === 401 ? "not saved: it needs the server's access token (above)"
    : (j?.error?.message ?? (r ? `error ${r.status}` : "the server did not answer"));
}

// ---- start -------------------------------------------------------------------------------------

async function main() {
  buildTerms();
  buildWhatIf();
  $("token").value = sessionStorage.getItem(TOKEN_KEY) ?? "";
  $("token-form").addEventListener("submit", useToken);
  $("save").addEventListener("click", save);
  ta.addEventListener("input", edited);
  ta.addEventListener("scroll", syncScroll);
  $("paths").addEventListener("change", () => { clearTimeout(quietTimer); quietTimer = setTimeout(pause, 1000); });
  window.addEventListener("hashchange", route);
  // A click on Portfolio while it is shown reads the portfolio again (no hash change then).
  $("nav-portfolio").addEventListener("click", () => { if (location.hash === "#portfolio") showPortfolio(); });
  let resize = null;
  window.addEventListener("resize", () => { clearTimeout(resize); resize = setTimeout(() => { drawCharts(lastDoc); drawHistogram(); layoutMarks(); }, 100); });
  const r = await fetch("/assets/example.toml");
  ta.value = await r.text();
  drawVerdicts(null, true);
  route();
  edited();
}

main();
