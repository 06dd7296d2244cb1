// Server-Sent Events read with fetch(), so the bearer token goes in a header (EventSource
// cannot send one) and never in a URL. Parses the text/event-stream format of the HTML
// standard (§9.2.6): `id:`, `event:`, `data:` lines, blank line ends an event, `:` comments.

/**
 * Follow `/v1/events` after `seq`, calling `onEvent(parsedJson)` in order. Reconnects with
 * back-off and resumes after the last seen `id`. `onStatus("live"|"connecting"|"offline")`.
 * Returns a function that stops it.
 */
export function follow(url, { after, headers, onEvent, onStatus }) {
  let last = after;
  let stopped = false;
  let controller = null;
  let delay = 500;

  async function once() {
    controller = new AbortController();
    onStatus("connecting");
    const sep = url.includes("?") ? "&" : "?";
    const res = await fetch(`${url}${sep}after=${last}`, {
      headers: { ...headers(), Accept: "text/event-stream" },
      signal: controller.signal,
      cache: "no-store",
    });
    if (!res.ok || !res.body) throw new Error(`events: HTTP ${res.status}`);
    onStatus("live");
    delay = 500;
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    let data = [];
    let id = null;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let nl;
      while ((nl = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + (buffer.startsWith("\r\n", nl) ? 2 : 1));
        if (line === "") {
          if (data.length) {
            const event = JSON.parse(data.join("\n"));
            if (id !== null) last = Number(id);
            else if (typeof event.seq === "number") last = event.seq;
            onEvent(event);
          }
          data = [];
          id = null;
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let val = colon < 0 ? "" : line.slice(colon + 1);
        if (val.startsWith(" ")) val = val.slice(1);
        if (field === "data") data.push(val);
        else if (field === "id") id = val;
      }
    }
  }

  (async () => {
    while (!stopped) {
      try {
        await once();
      } catch (err) {
        if (stopped) return;
      }
      if (stopped) return;
      onStatus("offline");
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  })();

  return () => {
    stopped = true;
    controller?.abort();
  };
}
