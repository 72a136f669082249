// Measures a rendered report for tests/browser.rs: tables wider than their card, text cut off,
// chart text below 11 px on screen and chart labels that overlap. The report is loaded in an
// iframe of the width under test (Chromium's headless window is at least 500 px wide), and the
// findings are written as JSON into a pre element (id offtake-measure) for --dump-dom to return.
function offtakeMeasure(document, window) {
  const out = { width: window.innerWidth, page_overflow: 0, wide_tables: [], clipped_cells: [], clipped_text: [], small_text: [], overlaps: [], charts: 0, texts: 0 };
  const visible = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const label = (el) => el.textContent.trim().replace(/\s+/g, ' ').slice(0, 60);
  out.page_overflow = document.documentElement.scrollWidth - window.innerWidth;
  // A table that does not fit its card: its scrolling wrapper is wider inside than out.
  document.querySelectorAll('.table-wrap').forEach((w) => {
    if (!visible(w)) return;
    if (w.scrollWidth > w.clientWidth + 1) {
      const cap = w.querySelector('caption, th');
      out.wide_tables.push({ section: (w.closest('section') || {}).id, table: cap ? label(cap) : '', scroll: w.scrollWidth, client: w.clientWidth });
    }
  });
  // A cell whose content is wider than the cell's box.
  document.querySelectorAll('td, th').forEach((c) => {
    if (!visible(c)) return;
    if (c.scrollWidth > c.clientWidth + 1) out.clipped_cells.push({ text: label(c), scroll: c.scrollWidth, client: c.clientWidth });
  });
  // HTML text cut off: by its own box (overflow hidden, ellipsis) or by the viewport, unless a
  // scrolling ancestor (a table wrapper) lets the reader scroll to it.
  const scrolls = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const s = window.getComputedStyle(p);
      if ((s.overflowX === 'auto' || s.overflowX === 'scroll') && p.scrollWidth > p.clientWidth) return true;
    }
    return false;
  };
  document.querySelectorAll('body *').forEach((el) => {
    if (el.closest('svg') || el.id === 'offtake-measure' || !visible(el)) return;
    const hasText = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!hasText) return;
    const r = el.getBoundingClientRect();
    const s = window.getComputedStyle(el);
    const clips = s.overflowX === 'hidden' || s.overflowX === 'clip' || s.textOverflow === 'ellipsis';
    if ((clips && el.scrollWidth > el.clientWidth + 1) || ((r.right > window.innerWidth + 1 || r.left < -1) && !scrolls(el))) {
      out.clipped_text.push({ tag: el.tagName, text: label(el), left: r.left, right: r.right });
    }
  });
  // Charts: each text's size on screen (font-size × the SVG's scale, rotation included), inside
  // its chart (an SVG clips what lies outside it), and no two texts of a chart overlapping.
  document.querySelectorAll('svg.chart').forEach((svg) => {
    if (!visible(svg)) return;
    out.charts += 1;
    const title = label(svg.querySelector('title') || svg);
    const box = svg.getBoundingClientRect();
    const texts = Array.from(svg.querySelectorAll('text')).filter((t) => t.textContent.trim() && visible(t));
    out.texts += texts.length;
    const rects = texts.map((t) => t.getBoundingClientRect());
    texts.forEach((t, i) => {
      const m = t.getScreenCTM();
      const px = parseFloat(window.getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
      if (px < 11 - 1e-6) out.small_text.push({ chart: title, text: label(t), px: Math.round(px * 100) / 100 });
      const r = rects[i];
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1)
        out.clipped_text.push({ tag: 'svg text', chart: title, text: label(t), left: r.left - box.left, right: r.right - box.left, width: box.width });
    });
    for (let i = 0; i < rects.length; i++) for (let j = i + 1; j < rects.length; j++) {
      const a = rects[i], b = rects[j];
      const ix = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const iy = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (ix > 1 && iy > 1) out.overlaps.push({ chart: title, a: label(texts[i]), b: label(texts[j]) });
    }
  });
  return out;
}

window.addEventListener('load', function () {
  const frame = document.getElementById('report');
  const doc = frame.contentDocument;
  // The frame as tall as the report, so a screenshot shows all of it.
  frame.style.height = doc.documentElement.scrollHeight + 'px';
  const pre = document.createElement('pre');
  pre.id = 'offtake-measure';
  pre.style.display = 'none';
  pre.textContent = JSON.stringify(offtakeMeasure(doc, frame.contentWindow));
  document.body.appendChild(pre);
});
