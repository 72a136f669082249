// Finds and replaces one number of a term sheet in its text, so that a key-term control can write
// a term back without touching anything else. The text is read as TOML (strings, comments,
// quoted and dotted keys, inline tables, arrays, [table] and [[array]] headers), so a note that
// says `value = 0.9`, a `[take_or_pay.floor]` sub-table or a `floor.value = 0.7` dotted key is
// read for what it is. A term is either `key = 0.7` or a provenance table with a number `value`
// (`key = { value = 0.7, source = … }`, `[table.key]` then `value = 0.7`, `key.value = 0.7`); only
// that number changes. Where the text is not TOML this reader understands, or the term is not a
// single number (a schedule, a string), the control is disabled with the reason: it never guesses.

const NUMBER = /^[+-]?(?:0|[1-9](?:_?\d)*)(?:\.\d(?:_?\d)*)?(?:[eE][+-]?\d(?:_?\d)*)?$/;
// The other scalars: booleans, special and non-decimal numbers, dates and times.
const SCALAR = /^(?:true|false|[+-]?(?:inf|nan)|0x[0-9A-Fa-f](?:_?[0-9A-Fa-f])*|0o[0-7](?:_?[0-7])*|0b[01](?:_?[01])*|\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:\d{2})?)?|\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$/;
const BARE = /[A-Za-z0-9_-]/;
const ESCAPES = { b: "\b", t: "\t", n: "\n", f: "\f", r: "\r", e: "\x1b", '"': '"', "\\": "\\" };

class Unreadable extends Error {}

const keyOf = (path) => JSON.stringify(path);

/** Reads `text` as TOML: `{values, headers, implicit}` where `values` maps each key path (as
 * `JSON.stringify([...])`) to `{start, end, kind, value}` (kind "number", "string", "table",
 * "array" or "other"; start/end the value's span in the text), `headers` maps each `[table]`
 * header's path to the offset just after its line, and `implicit` holds the tables made by dotted
 * keys or inline tables (a header cannot open those again). Throws `Unreadable` with a reason. */
export function scan(text) {
  const values = new Map();
  const headers = new Map();
  const implicit = new Set();
  const arrays = new Map();
  const n = text.length;
  let i = 0;
  const fail = (why) => { throw new Unreadable(why); };
  const ws = () => { while (i < n && (text[i] === " " || text[i] === "\t")) i++; };
  const comment = () => { if (text[i] === "#") while (i < n && text[i] !== "\n") i++; };
  const newline = () => {
    if (text[i] === "\n") { i += 1; return true; }
    if (text[i] === "\r" && text[i + 1] === "\n") { i += 2; return true; }
    return false;
  };
  const blank = () => { for (;;) { ws(); comment(); if (!newline()) return; } };
  const endOfLine = () => {
    ws();
    comment();
    if (i < n && !newline()) fail(`unexpected text at offset ${i}`);
  };
  const record = (path, entry) => {
    const k = keyOf(path);
    if (values.has(k)) fail(`\`${path.join(".")}\` is given twice`);
    values.set(k, entry);
  };

  const escape = () => {
    const e = text[i + 1];
    if (e in ESCAPES) { i += 2; return ESCAPES[e]; }
    const len = e === "u" ? 4 : e === "U" ? 8 : e === "x" ? 2 : 0;
    const hex = text.slice(i + 2, i + 2 + len);
    if (!len || hex.length !== len || !/^[0-9A-Fa-f]+$/.test(hex)) fail("a bad escape in a string");
    i += 2 + len;
    return String.fromCodePoint(parseInt(hex, 16));
  };
  const basic = () => {
    i += 1;
    let s = "";
    while (text[i] !== '"') {
      if (i >= n || text[i] === "\n") fail("a string runs past its line");
      s += text[i] === "\\" ? escape() : text[i++];
    }
    i += 1;
    return s;
  };
  const literalString = () => {
    const end = text.indexOf("'", i + 1);
    const nl = text.indexOf("\n", i + 1);
    if (end < 0 || (nl >= 0 && nl < end)) fail("a string runs past its line");
    const s = text.slice(i + 1, end);
    i = end + 1;
    return s;
  };
  // `"""…"""` or `'''…'''`: up to two more quotes at the end belong to the string.
  const multiline = (quote) => {
    i += 3;
    let s = "";
    for (;;) {
      if (i >= n) fail("a multi-line string is not closed");
      if (text.startsWith(quote.repeat(3), i)) {
        let q = 3;
        while (q < 5 && text[i + q] === quote) q += 1;
        s += quote.repeat(q - 3);
        i += q;
        return s;
      }
      if (quote === '"' && text[i] === "\\") {
        const after = /^\\[ \t]*\r?\n[\s]*/.exec(text.slice(i));
        if (after) { i += after[0].length; continue; }
        s += escape();
      } else {
        s += text[i++];
      }
    }
  };

  const key = () => {
    if (text[i] === '"') return basic();
    if (text[i] === "'") return literalString();
    const start = i;
    while (i < n && BARE.test(text[i])) i++;
    if (i === start) fail(`a key is missing at offset ${i}`);
    return text.slice(start, i);
  };
  const keyPath = () => {
    const parts = [key()];
    for (;;) {
      ws();
      if (text[i] !== ".") return parts;
      i += 1;
      ws();
      parts.push(key());
    }
  };
  // `a.b.c = …` under `table`: `table.a` and `table.a.b` become tables made by dotted keys.
  const dotted = (table, parts) => {
    for (let k = 1; k < parts.length; k++) implicit.add(keyOf([...table, ...parts.slice(0, k)]));
  };

  const value = (path) => {
    const start = i;
    if (text.startsWith('"""', i) || text.startsWith("'''", i)) {
      const s = multiline(text[i]);
      record(path, { start, end: i, kind: "string", value: s });
    } else if (text[i] === '"' || text[i] === "'") {
      const s = text[i] === '"' ? basic() : literalString();
      record(path, { start, end: i, kind: "string", value: s });
    } else if (text[i] === "[") {
      i += 1;
      blank();
      for (let k = 0; text[i] !== "]"; k++) {
        if (i >= n) fail("an array is not closed");
        value([...path, k]);
        blank();
        if (text[i] === ",") { i += 1; blank(); } else if (text[i] !== "]") fail(`unexpected text in an array at offset ${i}`);
      }
      i += 1;
      record(path, { start, end: i, kind: "array" });
    } else if (text[i] === "{") {
      i += 1;
      blank();
      while (text[i] !== "}") {
        if (i >= n) fail("an inline table is not closed");
        const parts = keyPath();
        if (text[i] !== "=") fail(`\`=\` is missing at offset ${i}`);
        i += 1;
        ws();
        value([...path, ...parts]);
        dotted(path, parts);
        blank();
        if (text[i] === ",") { i += 1; blank(); } else if (text[i] !== "}") fail(`unexpected text in an inline table at offset ${i}`);
      }
      i += 1;
      record(path, { start, end: i, kind: "table" });
      implicit.add(keyOf(path));
    } else {
      while (i < n && !/[\s,\]}#]/.test(text[i])) i++;
      // A date and a time may be parted by a space: `1979-05-27 07:32:00`.
      if (/^\d{4}-\d{2}-\d{2}$/.test(text.slice(start, i)) && text[i] === " " && /\d/.test(text[i + 1] ?? "")) {
        i += 1;
        while (i < n && !/[\s,\]}#]/.test(text[i])) i++;
      }
      const raw = text.slice(start, i);
      if (!raw) fail(`a value is missing at offset ${i}`);
      const number = NUMBER.test(raw);
      if (!number && !SCALAR.test(raw)) fail(`\`${raw}\` is not a TOML value`);
      record(path, { start, end: i, kind: number ? "number" : "other", value: number ? Number(raw.replace(/_/g, "")) : raw });
    }
  };

  let table = [];
  for (;;) {
    blank();
    if (i >= n) break;
    if (text.startsWith("[[", i)) {
      i += 2;
      ws();
      const parts = keyPath();
      if (!text.startsWith("]]", i)) fail(`\`]]\` is missing at offset ${i}`);
      i += 2;
      const k = keyOf(parts);
      const index = arrays.get(k) ?? 0;
      arrays.set(k, index + 1);
      // Entries of an array of tables are never a key term: their paths cannot collide with one.
      table = [...parts, "[[]]", index];
      endOfLine();
    } else if (text[i] === "[") {
      i += 1;
      ws();
      const parts = keyPath();
      if (text[i] !== "]") fail(`\`]\` is missing at offset ${i}`);
      i += 1;
      endOfLine();
      const k = keyOf(parts);
      if (headers.has(k) || implicit.has(k) || values.has(k)) fail(`[${parts.join(".")}] is defined twice`);
      headers.set(k, i);
      table = parts;
    } else {
      const parts = keyPath();
      if (text[i] !== "=") fail(`\`=\` is missing at offset ${i}`);
      i += 1;
      ws();
      value([...table, ...parts]);
      dotted(table, parts);
      endOfLine();
    }
  }
  return { values, headers, implicit };
}

/** Reads `text` once for several lookups: the result of [`scan`], or `{unreadable: reason}`. */
export function read(text) {
  try {
    return scan(text);
  } catch (e) {
    if (e instanceof Unreadable) return { unreadable: e.message };
    throw e;
  }
}

/** The entry of `path` (`"table.key"` or an array of keys) in a [`read`] result, or undefined. */
export function entry(doc, path) {
  return doc.values?.get(keyOf(Array.isArray(path) ? path : path.split(".")));
}

/** Where the number of the term `table.key` is: `{start, end, value}`; or where it can be added
 * (`{table: offset after its header line}`, or `{}` for a new table at the end); or
 * `{unsupported: reason}` when a control cannot read or write it. `doc` is the text's [`read`]. */
export function locateIn(doc, path) {
  if (doc.unreadable) return { unsupported: `the term sheet is not readable TOML here (${doc.unreadable})` };
  const parts = path.split(".");
  const table = parts.slice(0, -1);
  const own = doc.values.get(keyOf(parts));
  const inner = doc.values.get(keyOf([...parts, "value"]));
  if (own?.kind === "number") return { start: own.start, end: own.end, value: own.value };
  if (inner?.kind === "number") return { start: inner.start, end: inner.end, value: inner.value };
  if (own || inner || doc.headers.has(keyOf(parts)) || doc.implicit.has(keyOf(parts))) {
    return { unsupported: `\`${path}\` is not a single number here: edit it in the text` };
  }
  const header = doc.headers.get(keyOf(table));
  if (header !== undefined) return { table: header };
  if (doc.implicit.has(keyOf(table)) || doc.values.has(keyOf(table))) {
    return { unsupported: `[${table.join(".")}] is written inline or with dotted keys: add \`${parts.at(-1)}\` in the text` };
  }
  return {};
}

/** Whether `table` (`"a.b"`) is in a [`read`] result: by a header, dotted keys or inline. */
export function hasTable(doc, table) {
  const k = keyOf(table.split("."));
  return Boolean(doc.headers?.has(k) || doc.implicit?.has(k) || doc.values?.has(k));
}

/** [`locateIn`] of `text`'s own [`read`]. */
export function locate(text, path) {
  return locateIn(read(text), path);
}

/** The edit that sets `table.key` to `literal` in `text`: `{start, end, insert}` (in place when
 * the number is there, else a new line in its table, else a new table at the end); null when the
 * term cannot be written by a control (see [`locateIn`]). */
export function setValue(text, path, literal) {
  const at = locate(text, path);
  const key = path.slice(path.lastIndexOf(".") + 1);
  if (at.unsupported) return null;
  if (at.start !== undefined) {
    return { start: at.start, end: at.end, insert: literal };
  }
  if (at.table !== undefined) {
    const start = Math.min(at.table, text.length);
    const nl = start > 0 && text[start - 1] !== "\n" ? "\n" : "";
    return { start, end: start, insert: `${nl}${key} = ${literal}\n` };
  }
  const table = path.slice(0, path.lastIndexOf("."));
  const nl = text.endsWith("\n") || text === "" ? "" : "\n";
  return { start: text.length, end: text.length, insert: `${nl}\n[${table}]\n${key} = ${literal}\n` };
}

/** A TOML literal for `value`: plain decimals, or `Ne9` for billions. */
export function literal(value, billions) {
  if (billions) return `${Number((value / 1e9).toFixed(3))}e9`;
  return String(Number(value.toFixed(4)));
}
