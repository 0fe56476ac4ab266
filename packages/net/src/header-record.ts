/**
 * A request's headers as a plain record of lower-case names, what `new Headers(init)` would hold: names lower-cased,
 * values stripped of surrounding HTTP whitespace, repeated names joined with ", ". For the requests sent one per item
 * (a DAV PUT), building undici's Headers three times a request — the transport's checks, its auth header, the
 * node:http request — was a measurable share of an initial sync's CPU (issue 14); a record costs a few property
 * writes. Anything but a plain object or a list of pairs goes through Headers, as before.
 */
/** What `RequestInit.headers` may be (the DOM's HeadersInit, not in our lib). */
export type RequestHeaders = NonNullable<RequestInit['headers']>;

export function headerRecord(init: RequestHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (init === undefined) return out;
  if (init instanceof Headers || (!Array.isArray(init) && Symbol.iterator in init)) {
    new Headers(init).forEach((value, name) => {
      out[name] = value;
    });
    return out;
  }
  const pairs = Array.isArray(init) ? init : Object.entries(init);
  for (const pair of pairs) {
    if (pair.length !== 2) return headerRecord(new Headers(init)); // Headers throws the error it would have thrown
    const name = String(pair[0]).toLowerCase();
    const value = String(pair[1]).replace(HTTP_WHITESPACE, '');
    out[name] = name in out ? `${out[name]}, ${value}` : value;
  }
  return out;
}

/** Leading and trailing HTTP whitespace (tab, space, CR, LF), which the Fetch standard strips from a value. */
const HTTP_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;
