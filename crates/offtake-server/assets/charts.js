// Small SVG charts drawn at the element's own pixel width (so text stays 12 px on a phone).

const NS = "http://www.w3.org/2000/svg";

function el(name, attrs, parent) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
}

function text(parent, x, y, s, anchor = "start") {
  const t = el("text", { x, y, "text-anchor": anchor }, parent);
  t.textContent = s;
  return t;
}

function frame(svg) {
  while (svg.firstChild) svg.removeChild(svg.firstChild);
  const w = Math.max(200, svg.clientWidth || 600);
  const h = Math.max(120, svg.clientHeight || 220);
  svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
  return { w, h, left: 56, right: 8, top: 10, bottom: 22 };
}

function scale(lo, hi, a, b) {
  if (hi === lo) hi = lo + 1;
  return (v) => a + ((v - lo) / (hi - lo)) * (b - a);
}

/** Bars of `values` (negative ones below the zero line, in red) with `labels` under them. */
export function bars(svg, labels, values, fmt) {
  const f = frame(svg);
  const lo = Math.min(0, ...values), hi = Math.max(0, ...values);
  const y = scale(lo, hi, f.h - f.bottom, f.top);
  const band = (f.w - f.left - f.right) / Math.max(1, values.length);
  el("line", { class: "axis", x1: f.left, x2: f.w - f.right, y1: y(0), y2: y(0) }, svg);
  text(svg, f.left - 4, y(hi) + 10, fmt(hi), "end");
  if (lo < 0) text(svg, f.left - 4, y(lo), fmt(lo), "end");
  const every = Math.ceil(values.length / Math.max(1, Math.floor((f.w - f.left) / 40)));
  values.forEach((v, i) => {
    const x = f.left + i * band + band * 0.15;
    el("rect", { class: v < 0 ? "neg" : "pos", x, width: band * 0.7, y: Math.min(y(v), y(0)), height: Math.max(1, Math.abs(y(v) - y(0))), "data-value": v }, svg);
    if (i % every === 0) text(svg, x + band * 0.35, f.h - 6, labels[i], "middle");
  });
}

/** A line of `values` (nulls leave gaps) and a dashed horizontal `threshold`. */
export function lineVsThreshold(svg, labels, values, threshold, fmt, empty = "no values") {
  const f = frame(svg);
  const present = values.filter((v) => v !== null && Number.isFinite(v));
  if (!present.length) {
    text(svg, f.w / 2, f.h / 2, empty, "middle");
    return;
  }
  // One outlying year (a DSCR of 11 in a year of little service, more than twice the next
  // highest) would flatten the years near the threshold, the ones that matter: the scale then
  // stops above the next highest, and the outlier sits on the top edge with its value beside it.
  const [top, next] = [...present].sort((a, b) => b - a);
  const outlier = present.length >= 3 && top > 2 * next;
  const hi = Math.max(threshold * 1.5, outlier ? next * 1.15 : top);
  const y0 = scale(0, hi, f.h - f.bottom, f.top);
  const y = (v) => y0(Math.min(v, hi));
  const band = (f.w - f.left - f.right) / Math.max(1, values.length);
  const x = (i) => f.left + band * (i + 0.5);
  el("line", { class: "axis", x1: f.left, x2: f.w - f.right, y1: y(0), y2: y(0) }, svg);
  el("line", { class: "threshold", x1: f.left, x2: f.w - f.right, y1: y(threshold), y2: y(threshold) }, svg);
  text(svg, f.left - 4, y(threshold) + 4, fmt(threshold), "end");
  text(svg, f.left - 4, y(hi) + 10, fmt(hi), "end");
  let d = "";
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) { d += " "; return; }
    d += `${d.endsWith(" ") || d === "" ? "M" : "L"}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
    el("circle", { cx: x(i), cy: y(v), r: 3, class: v < threshold ? "neg" : "pos", "data-value": v }, svg);
    // Beside the point, on its left near the right edge so it is not cut.
    if (v > hi) {
      const left = x(i) > f.w * 0.75;
      text(svg, x(i) + (left ? -6 : 6), y(v) + 12, `↑${fmt(v)}`, left ? "end" : "start");
    }
  });
  el("path", { class: "line", d: d.replace(/ +/g, "") }, svg);
  const every = Math.ceil(values.length / Math.max(1, Math.floor((f.w - f.left) / 40)));
  labels.forEach((l, i) => { if (i % every === 0) text(svg, x(i), f.h - 6, l, "middle"); });
}

/** A histogram of equal-width bins from `h.min` to `h.max` (`h.counts`), with the base case
 * dashed and the P50 labelled. */
export function histogram(svg, h, base, p50, fmt) {
  const f = frame(svg);
  const lo = Math.min(h.min, base ?? Infinity), hi = Math.max(h.max, base ?? -Infinity);
  const x = scale(lo, hi, f.left, f.w - f.right);
  const top = Math.max(1, ...h.counts);
  const y = scale(0, top, f.h - f.bottom, f.top);
  const width = (h.max - h.min) / Math.max(1, h.counts.length);
  h.counts.forEach((c, i) => {
    const a = h.min + i * width;
    el("rect", { class: "hist", x: x(a), width: Math.max(1, x(a + width) - x(a) - 1), y: y(c), height: y(0) - y(c), "data-count": c }, svg);
  });
  el("line", { class: "axis", x1: f.left, x2: f.w - f.right, y1: y(0), y2: y(0) }, svg);
  text(svg, f.left - 4, y(top) + 10, String(top), "end");
  if (base !== undefined && base !== null) {
    el("line", { class: "base", x1: x(base), x2: x(base), y1: f.top, y2: y(0) }, svg);
  }
  text(svg, x(lo), f.h - 6, fmt(lo), "start");
  if (p50 !== undefined) text(svg, x(p50), f.h - 6, `P50 ${fmt(p50)}`, "middle");
  text(svg, x(hi), f.h - 6, fmt(hi), "end");
}
