// Finds and replaces one number of a term sheet in its text, so that a slider can write a term
// back without touching anything else: `key = 0.7` and `key = { value = 0.7, source = … }`
// (the provenance table stays as it is; only the number after `value =` changes).

const NUMBER = /^[-+]?(?:\d[\d_]*)?(?:\.\d[\d_]*)?(?:[eE][-+]?\d+)?/;
const HEADER = /^\s*\[([^\[\]]+)\]\s*(?:#.*)?$/;
const ARRAY_HEADER = /^\s*\[\[/;

/** Where the number of `table.key` is in `text`: `{start, end, value}`; or where its table is
 * (`{table: offset after its header line}`); or `{}` when the table is absent. */
export function locate(text, path) {
  const dot = path.lastIndexOf(".");
  const table = path.slice(0, dot);
  const key = path.slice(dot + 1);
  const keyLine = new RegExp(`^(\\s*${key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s*=\\s*)`);
  let current = null;
  let offset = 0;
  let tableEnd = null;
  for (const line of text.split("\n")) {
    const next = offset + line.length + 1;
    const h = HEADER.exec(line);
    if (h) {
      current = h[1].trim();
      if (current === table) tableEnd = next;
    } else if (ARRAY_HEADER.test(line)) {
      current = null;
    } else if (current === table) {
      const k = keyLine.exec(line);
      if (k) {
        let at = k[1].length;
        if (line[at] === "{") {
          const v = /\bvalue\s*=\s*/.exec(line.slice(at));
          if (!v) return { table: tableEnd };
          at += v.index + v[0].length;
        }
        const n = NUMBER.exec(line.slice(at))[0];
        if (!n) return { table: tableEnd };
        return { start: offset + at, end: offset + at + n.length, value: Number(n.replace(/_/g, "")) };
      }
    }
    offset = next;
  }
  return tableEnd === null ? {} : { table: tableEnd };
}

/** The number of `table.key` in `text`, or undefined. */
export function getValue(text, path) {
  const at = locate(text, path);
  return at.start === undefined ? undefined : at.value;
}

/** `text` with `table.key` set to `literal`: in place when it is there, else a new line in its
 * table, else a new table at the end. Returns `{text, start, end}` of the edit. */
export function setValue(text, path, literal) {
  const at = locate(text, path);
  const key = path.slice(path.lastIndexOf(".") + 1);
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
