import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Errors } from '../errors';

/**
 * Stands in for each invalid UTF-8 sequence so that JSON.parse keeps its position: two lone low surrogates, which
 * the Unicode check below always finds (a high surrogate before them can pair with one of them, never both, and
 * nothing after a low surrogate pairs with it).
 */
const INVALID_MARK = '\\udfff\\udfff';
const LONE_SURROGATE = /\p{Cs}/u;

class MisplacedByteError extends Error {}

/** Length of the valid UTF-8 sequence at `i`, or 0 (the WHATWG decoder's rules: no overlongs, no surrogates). */
function sequenceLength(b: Buffer, i: number): number {
  const lead = b[i] ?? 0;
  if (lead < 0x80) return 1;
  let length: number;
  let low = 0x80;
  let high = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) length = 2;
  else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead === 0xe0) low = 0xa0;
    if (lead === 0xed) high = 0x9f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead === 0xf0) low = 0x90;
    if (lead === 0xf4) high = 0x8f;
  } else return 0;
  for (let k = 1; k < length; k++) {
    const c = b[i + k];
    if (c === undefined || c < (k === 1 ? low : 0x80) || c > (k === 1 ? high : 0xbf)) return 0;
  }
  return length;
}

/**
 * Decodes UTF-8, marking each invalid byte with INVALID_MARK so the field that held it can be named. A bad byte
 * right after an escaping backslash cannot be marked without changing the escape: that is invalid JSON anyway.
 */
function decodeMarkingInvalid(b: Buffer): string {
  let out = '';
  let start = 0;
  let i = 0;
  while (i < b.length) {
    const n = sequenceLength(b, i);
    if (n > 0) {
      i += n;
      continue;
    }
    let slashes = 0;
    while (i - slashes - 1 >= 0 && b[i - slashes - 1] === 0x5c) slashes++;
    if (slashes % 2 === 1) throw new MisplacedByteError();
    out += b.toString('utf8', start, i) + INVALID_MARK;
    i++;
    start = i;
  }
  return out + b.toString('utf8', start);
}

/** The path of the first string (value or key) that is not well-formed Unicode, e.g. `body.users[1].loginName`. */
export function findInvalidText(value: unknown, path = 'body'): string | undefined {
  if (typeof value === 'string') return LONE_SURROGATE.test(value) ? path : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findInvalidText(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (LONE_SURROGATE.test(k)) return `${path} (a field name)`;
      const found = findInvalidText(v, `${path}.${k}`);
      if (found) return found;
    }
  }
  return undefined;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The JSON body parser. Text must be valid Unicode: a lone surrogate (`"\ud800"`) or bytes that are not UTF-8
 * would otherwise reach PostgreSQL as U+FFFD — a different app password than the one sent — so they are refused
 * with a 400 naming the field. NUL is refused too (PostgreSQL text cannot hold it). An empty body sent with
 * `Content-Type: application/json` (common on DELETE) counts as no body.
 */
async function jsonBodyPlugin(app: FastifyInstance): Promise<void> {
  // JSON only: a text/plain body would otherwise reach validation as a string and get a confusing message.
  app.removeContentTypeParser('text/plain');
  // Fastify's own parser does the parsing (it also refuses __proto__ poisoning).
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer;
    if (bytes.length === 0) {
      done(null, undefined);
      return;
    }
    let text: string;
    try {
      text = strictUtf8.decode(bytes);
    } catch {
      try {
        text = decodeMarkingInvalid(bytes);
      } catch {
        done(new Errors.INVALID_JSON(), undefined);
        return;
      }
    }
    if (/\\u0000/i.test(text)) {
      done(new Errors.VALIDATION_FAILED('text fields may not contain the NUL character (\\u0000)'), undefined);
      return;
    }
    parseJson(request, text, (error, value) => {
      if (error) {
        done(error, undefined);
        return;
      }
      const invalid = findInvalidText(value);
      if (invalid) {
        done(
          new Errors.VALIDATION_FAILED(
            `${invalid} is not valid Unicode text (a lone UTF-16 surrogate, or bytes that are not UTF-8)`,
          ),
          undefined,
        );
        return;
      }
      done(null, value);
    });
  });
}

/** Registered with fastify-plugin so the parser applies to every route, not only inside this plugin. */
export default fp(jsonBodyPlugin, { name: 'exsync-json-body' });
