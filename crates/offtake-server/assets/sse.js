// Server-sent events over fetch(): `EventSource` cannot send an `Authorization` header, and a
// server that needs the token for reads answers its request 401. This reads a `text/event-stream`
// body as the HTML standard's parser does (§ 9.2.6): lines end with CRLF, LF or CR; `:` starts a
// comment (the server's keep-alives); `event:`, `data:` (several lines joined with "\n"), `id:`
// and `retry:` fields, one space after the colon dropped; a blank line dispatches the event (none
// when it has no data); an event cut off by the end of the stream is dropped.

/// Yields `{ type, data, id }` for each event of `body` (a ReadableStream of bytes). Breaking out
/// of the loop cancels the body; aborting the fetch's signal ends it with the AbortError.
export async function* events(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  let first = true;
  let type = "";
  let data = [];
  let id = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += value;
      if (first && buf.length) {
        if (buf.charCodeAt(0) === 0xfeff) buf = buf.slice(1);
        first = false;
      }
      for (;;) {
        const m = /\r\n|\r|\n/.exec(buf);
        // A CR at the very end may be the first half of a CRLF split across two chunks.
        if (!m || (m[0] === "\r" && m.index === buf.length - 1)) break;
        const line = buf.slice(0, m.index);
        buf = buf.slice(m.index + m[0].length);
        if (line === "") {
          if (data.length) yield { type: type || "message", data: data.join("\n"), id };
          type = "";
          data = [];
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let v = colon < 0 ? "" : line.slice(colon + 1);
        if (v.startsWith(" ")) v = v.slice(1);
        if (field === "event") type = v;
        else if (field === "data") data.push(v);
        else if (field === "id" && !v.includes("\0")) id = v;
        // `retry` only matters to a client that reconnects by itself; this one does not.
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}
