import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { type PimItem, SHORTENED_HASH, SHORTENED_HASH_MIN, type SideStatus, type StatusRow } from '@exsync/core';
import { DICTIONARY_V1 } from './packed-link';

/**
 * An `item_links` row in its compact shape (issue 14: ≤ 600 bytes per item, indexes included). Most of a row is ids
 * that repeat across a pair's rows (an EWS ItemId is ~150 characters of which all but a few are the mailbox and
 * folder; a DAV href is the collection's path and the UID) and objects that differ from the pair's other objects in
 * a few values. So every row is coded against the pair's reference, the first row written for the pair (kept once
 * on `collection_pairs.link_reference`):
 *
 * - `head`: the ident and each side's href, version and hash, each as the prefix and suffix it shares with the
 *   reference's (two lengths) and the middle, hex runs as bytes. Read on every run, so plain byte work, no zlib.
 * - `body`: the merge base and both raw objects as one JSON array, deflated with a preset dictionary of generic
 *   vocabularies, the reference's own body and the row's ids: what the row shares with the reference costs a few
 *   bytes a match. Inflated only when the engine looks at it.
 * - keys: the ident and hrefs are indexed as 64-bit keys (the first 8 bytes of SHA-256) instead of in full. Two
 *   different ids of one pair share a key with a chance of about n²/2⁶⁵ (10⁻¹¹ for 10,000 items). The href keys are
 *   indexed alone (one holder per pair and side is checked by the trigger item_links_one_holder).
 *
 * - in the body, the row's own ids as they recur in its objects (the ident as a UID, the href as an item id, the
 *   version as a change key or an escaped ETag, the UID lines of the iCalendar) are one control character each
 *   instead of a match against the dictionary's copy (~3 bytes each; 15 bytes a Graph event, 9 an EWS one).
 * - hashes: a content hash ending in 64 or more hex digits (SHA-256) keeps only its start up to 32 of them, 128
 *   bits, read back with `SHORTENED_HASH` after it (the engine's `sameHash` compares such a start): 16 of the 32
 *   bytes each of a row's two hashes take, and no hash compresses. The hash only tells whether a side's content
 *   changed once its version did: two contents whose hashes share 128 bits by chance, 2⁻¹²⁸ per comparison, would
 *   hide one edit until the next; made on purpose it takes ~2⁶⁴ SHA-256 work, and only hides an edit of the item's
 *   own side from its other side, which the editor could as well not have made. Rows written before keep their
 *   full hashes (no flag) and read as before.
 *
 * Head format 1 is a row from before this shape (legacy-link.ts), rewritten in this one when first read.
 */

export interface LinkReference {
  readonly ident: string;
  readonly a: readonly string[];
  readonly b: readonly string[];
  /** The start of the reference's base and raw objects: the end of the body dictionary. */
  readonly body: string;
}

export interface EncodedLink {
  readonly identKey: string;
  readonly aKey: string | null;
  readonly bKey: string | null;
  readonly head: Buffer;
  readonly body: Buffer | null;
}

/**
 * Format 3 is format 2 with the shortened hashes and the body's id tokens (flags 32, 64, 128). A build that reads
 * only format 2 refuses these rows (its run fails and the pair is synced again) rather than take a token-laden
 * object for the raw one its adapter patches: workers of two builds may share one database while they are rolled.
 */
const HEAD_VERSION = 3;
/** Written before shortened hashes and id tokens: none of those flags set; read as it is. */
const HEAD_VERSION_2 = 2;
const HAS_A = 1;
const HAS_B = 2;
const HAS_BASE = 4;
/** Coded against nothing: written before the pair had a reference (its first rows, before any had both sides). */
const ALONE = 8;
/** The body's parts are delimited by a first line of lengths, not by NULs (a part holds a NUL). */
const LENGTHS = 16;
/** Side a's (b's) hash is kept shortened: read back with `SHORTENED_HASH` after it. */
const A_HASH_SHORT = 32;
const B_HASH_SHORT = 64;
/** The body's text holds the row's own ids as one-character tokens (`idTokens`). */
const ID_TOKENS = 128;
const NO_REFERENCE: LinkReference = { ident: '', a: [], b: [], body: '' };
/** Level 9: on these few hundred bytes it costs little more than 6 and saves a few bytes a row. */
const LEVEL = 9;
/**
 * Characters of each of the three the reference keeps. An event's Graph JSON is ~2,000 (its webLink, timestamps, each
 * id twice): at 1,500 the rest of it was spelt out again in every row, ~85 bytes a row. A pair's reference is kept
 * once, so its rows share its cost.
 */
const REFERENCE_PART_CAP = 3_000;

/** An id's index key: the first 8 bytes of SHA-256 of its UTF-8, as a signed 64-bit integer in decimal. */
export function linkKey(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest().readBigInt64BE(0).toString();
}

const sideFields = (s: SideStatus | undefined): string[] => (s ? [s.href, s.version, s.hash] : []);

/** A long hash's start kept: up to 32 of its last 64 or more hex digits (SHA-256 and longer). */
const LONG_HASH = /[0-9a-f]{64,}$/;

/**
 * What the head keeps of a hash: its start when it is long, or when a store kept only that already (a row read
 * back and written again); undefined: kept whole.
 */
export function shortenedHash(hash: string): string | undefined {
  if (hash.endsWith(SHORTENED_HASH)) {
    const start = hash.slice(0, -SHORTENED_HASH.length);
    return start.length >= SHORTENED_HASH_MIN ? start : undefined;
  }
  const long = LONG_HASH.exec(hash);
  return long ? hash.slice(0, long.index + 32) : undefined;
}

/**
 * Whether `row` can be its pair's reference: one with both sides and a base (a pair's first rows are often its
 * pending creates, with one side only; coded against one of those, every later row would spell its other side out).
 */
export const canBeReference = (row: StatusRow): boolean =>
  row.a !== undefined && row.b !== undefined && row.base !== undefined;

/** The reference a pair's rows are coded against, made from one of its rows. */
export function referenceOf(row: StatusRow): LinkReference {
  // The start of each of the three: their structure is what other rows share (an attachment or a photo further on
  // is not), and every pair's rows pay for the reference in equal shares.
  const [base, aRaw, bRaw] = bodyParts(row).map((part) => part?.slice(0, REFERENCE_PART_CAP) ?? '');
  return { ident: row.ident, a: sideFields(row.a), b: sideFields(row.b), body: `${base}\n${aRaw}\n${bRaw}` };
}

export function serializeReference(ref: LinkReference): Buffer {
  return Buffer.from(JSON.stringify(ref), 'utf8');
}

export function parseReference(bytes: Uint8Array): LinkReference {
  return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as LinkReference;
}

/** The base as JSON and the two raw objects as they are (undefined: absent). */
function bodyParts(row: StatusRow): (string | undefined)[] {
  return [row.base === undefined ? undefined : JSON.stringify(row.base), row.a?.raw, row.b?.raw];
}

/**
 * The three one after another, unescaped (raw objects inside a JSON string would carry an escape for every quote
 * and line break: ~5 % more after deflate), split by NULs, which iCalendar, vCard and JSON text never hold; a part
 * that does makes it a first line of their lengths instead ("-": absent).
 */
function bodyText(row: StatusRow): { text: string; lengths: boolean } {
  const parts = bodyParts(row);
  if (!parts.some((p) => p?.includes('\0'))) return { text: parts.map((p) => p ?? '').join('\0'), lengths: false };
  const lengths = parts.map((p) => (p === undefined ? '-' : String(p.length))).join(' ');
  return { text: `${lengths}\n${parts.join('')}`, lengths: true };
}

/**
 * Characters the body's text never holds (neither iCalendar, vCard nor JSON text has raw control characters; a
 * body that does is stored without tokens) and which the NUL-delimited layout does not use.
 */
const TOKEN_CHARS = [1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26].map((code) =>
  String.fromCharCode(code),
);
const HAS_TOKEN_CHAR = new RegExp(`[${TOKEN_CHARS.join('')}]`);
const TOKEN = new RegExp(`[${TOKEN_CHARS.join('')}]`, 'g');
/** Shorter ids are left to deflate: a token would save little and could stand for what merely looks the same. */
const TOKEN_MIN_LENGTH = 8;

/** iCalendar's folding of a content line (RFC 5545 §3.1: 75 octets a line; the ids here are ASCII). */
function folded(line: string): string {
  let out = line.slice(0, 75);
  for (let at = 75; at < line.length; at += 74) out += `\r\n ${line.slice(at, at + 74)}`;
  return out;
}

/**
 * The strings the body's tokens stand for, longest first, made from the head's ident, hrefs and versions only (so the
 * decoder makes the same list before inflating): each as it is and as the objects spell it again.
 */
function idTokens(ident: string, sides: readonly { readonly href: string; readonly version: string }[]): string[] {
  const forms = new Set<string>([ident, folded(`UID:${ident}`), folded(`X-EXSYNC-ID:${ident}`)]);
  for (const { href, version } of sides) {
    forms.add(href);
    forms.add(encodeURIComponent(href)); // in a URL (Graph's webLink)
    forms.add(version);
    forms.add(JSON.stringify(version).slice(1, -1)); // in a JSON string (an ETag's quotes)
    forms.add(version.replace(/^(W\/)?"(.*)"$/, '$2')); // the ETag's opaque tag (Graph's changeKey)
  }
  const usable = [...forms].filter((f) => f.length >= TOKEN_MIN_LENGTH && !HAS_TOKEN_CHAR.test(f));
  // Longest first, so a longer form is taken whole before a shorter one inside it; ties keep the order above.
  return usable.sort((x, y) => y.length - x.length).slice(0, TOKEN_CHARS.length);
}

/** `text` with each of `forms` replaced by its token; exactly undone by `untokenize` (no form holds a token). */
function tokenize(text: string, forms: readonly string[]): string {
  let out = text;
  for (const [i, form] of forms.entries()) out = out.replaceAll(form, TOKEN_CHARS[i]!);
  return out;
}

function untokenize(text: string, forms: readonly string[]): string {
  return text.replace(TOKEN, (c) => {
    const form = forms[TOKEN_CHARS.indexOf(c)];
    if (form === undefined) throw new Error('item_links.body holds a token its head names no id for');
    return form;
  });
}

function dictionary(ref: LinkReference, ids: readonly string[]): Buffer {
  let start = dictionaryStarts.get(ref);
  if (!start) {
    start = Buffer.concat([DICTIONARY_V1, Buffer.from(`${ref.body}\n`, 'utf8')]);
    dictionaryStarts.set(ref, start);
  }
  return Buffer.concat([start, Buffer.from(ids.join('\n'), 'utf8')]);
}

/**
 * The part of each row's dictionary its pair shares (the vocabularies and the reference's objects, up to ~10 KB),
 * encoded once per reference rather than once per row. The same bytes: `ref.body` ends before the `\n`, so no
 * character is split between the two encodings.
 */
const dictionaryStarts = new WeakMap<LinkReference, Buffer>();

/** The preset dictionary of `row`'s body (what the tests inflate a body with to look inside). */
export function linkDictionary(ref: LinkReference, row: StatusRow): Buffer {
  return dictionary(ref, [row.ident, ...[row.a, row.b].flatMap((side) => (side ? [side.href, side.version] : []))]);
}

/** `row` in the compact shape, coded against `reference` (none: the pair has none yet). */
export function encodeLink(row: StatusRow, reference: LinkReference | undefined): EncodedLink {
  const ref = reference ?? NO_REFERENCE;
  const hasBody = row.a !== undefined || row.b !== undefined || row.base !== undefined;
  const body = hasBody ? bodyText(row) : undefined;
  const forms = idTokens(
    row.ident,
    [row.a, row.b].filter((side) => side !== undefined),
  );
  const tokens = body !== undefined && forms.length > 0 && !HAS_TOKEN_CHAR.test(body.text);
  const aHash = row.a ? shortenedHash(row.a.hash) : undefined;
  const bHash = row.b ? shortenedHash(row.b.hash) : undefined;
  const head = new Writer();
  head.byte(HEAD_VERSION);
  head.byte(
    (row.a ? HAS_A : 0) |
      (row.b ? HAS_B : 0) |
      (row.base !== undefined ? HAS_BASE : 0) |
      (reference ? 0 : ALONE) |
      (body?.lengths ? LENGTHS : 0) |
      (aHash !== undefined ? A_HASH_SHORT : 0) |
      (bHash !== undefined ? B_HASH_SHORT : 0) |
      (tokens ? ID_TOKENS : 0),
  );
  head.field(row.ident, ref.ident);
  const ids = [row.ident];
  for (const [side, refFields, shortHash] of [
    [row.a, ref.a, aHash],
    [row.b, ref.b, bHash],
  ] as const) {
    const fields = sideFields(side);
    if (shortHash !== undefined) fields[2] = shortHash;
    for (const [i, value] of fields.entries())
      head.field(value, refFields[i] ?? '', { row: row.ident, ref: ref.ident });
    ids.push(...fields.slice(0, 2));
  }

  return {
    identKey: linkKey(row.ident),
    aKey: row.a ? linkKey(row.a.href) : null,
    bKey: row.b ? linkKey(row.b.href) : null,
    head: head.done(),
    body: body
      ? deflateRawSync(tokens ? tokenize(body.text, forms) : body.text, {
          level: LEVEL,
          dictionary: dictionary(ref, ids),
        })
      : null,
  };
}

/**
 * A row from its head and body. `hasA`/`hasB`: whether the row still holds that side's key (a side another row
 * took the href of is released by clearing its key, which SQL can do without decoding). The body is inflated on
 * first read of a raw object or the base.
 */
export function decodeLink(
  stored: {
    readonly head: Uint8Array;
    readonly body: Uint8Array | null;
    readonly hasA: boolean;
    readonly hasB: boolean;
  },
  reference: LinkReference | undefined,
): { row: Record<string, unknown> & { ident: string }; open: () => { base?: PimItem; aRaw?: string; bRaw?: string } } {
  const r = new Reader(stored.head);
  const version = r.byte();
  if (version !== HEAD_VERSION && version !== HEAD_VERSION_2) {
    throw new Error(
      `item_links.head has unknown format version ${version} (this build reads ${HEAD_VERSION_2} and ${HEAD_VERSION})`,
    );
  }
  const flags = r.byte();
  if (!(flags & ALONE) && !reference) throw new Error('item_links.head is coded against a reference the pair lacks');
  const ref = flags & ALONE ? NO_REFERENCE : reference!;
  const ident = r.field(ref.ident);
  const ids = [ident];
  const sides: (Omit<SideStatus, 'raw'> | undefined)[] = [];
  for (const [flag, refFields, shortHash] of [
    [HAS_A, ref.a, A_HASH_SHORT],
    [HAS_B, ref.b, B_HASH_SHORT],
  ] as const) {
    if (!(flags & flag)) {
      sides.push(undefined);
      continue;
    }
    const idents = { row: ident, ref: ref.ident };
    const href = r.field(refFields[0] ?? '', idents);
    const version = r.field(refFields[1] ?? '', idents);
    const kept = r.field(refFields[2] ?? '', idents);
    const hash = flags & shortHash ? kept + SHORTENED_HASH : kept;
    ids.push(href, version);
    sides.push({ href, version, hash });
  }
  let opened: { base?: PimItem; aRaw?: string; bRaw?: string } | undefined;
  const open = () => {
    opened ??= stored.body
      ? inflateBody(
          stored.body,
          flags,
          dictionary(ref, ids),
          flags & ID_TOKENS
            ? idTokens(
                ident,
                sides.filter((side) => side !== undefined),
              )
            : undefined,
        )
      : {};
    return opened;
  };
  const row: Record<string, unknown> & { ident: string } = { ident };
  const [a, b] = sides;
  if (a && stored.hasA) row.a = lazyRaw(a, () => open().aRaw ?? '');
  if (b && stored.hasB) row.b = lazyRaw(b, () => open().bRaw ?? '');
  if (flags & HAS_BASE) lazy(row, 'base', () => open().base);
  return { row, open };
}

function inflateBody(
  body: Uint8Array,
  flags: number,
  dict: Buffer,
  forms: readonly string[] | undefined,
): { base?: PimItem; aRaw?: string; bRaw?: string } {
  const inflated = inflateRawSync(body, { dictionary: dict }).toString('utf8');
  const text = forms ? untokenize(inflated, forms) : inflated;
  let base: string | undefined;
  let aRaw: string | undefined;
  let bRaw: string | undefined;
  if (flags & LENGTHS) {
    const lineEnd = text.indexOf('\n');
    let at = lineEnd + 1;
    [base, aRaw, bRaw] = text
      .slice(0, lineEnd)
      .split(' ')
      .map((length) => {
        if (length === '-') return undefined;
        const part = text.slice(at, at + Number(length));
        at += Number(length);
        return part;
      });
  } else {
    [base, aRaw, bRaw] = text.split('\0');
    if (!(flags & HAS_A)) aRaw = undefined;
    if (!(flags & HAS_B)) bRaw = undefined;
  }
  return {
    ...(flags & HAS_BASE && base !== undefined ? { base: JSON.parse(base) as PimItem } : {}),
    ...(aRaw !== undefined ? { aRaw } : {}),
    ...(bRaw !== undefined ? { bRaw } : {}),
  };
}

function lazyRaw(side: Omit<SideStatus, 'raw'>, raw: () => string): SideStatus {
  return lazy({ ...side }, 'raw', raw) as unknown as SideStatus;
}

/** Defines `key` as an ordinary-looking (enumerable) property computed once, on first read. */
export function lazy<T extends object, V>(target: T, key: string, compute: () => V): T {
  let value: V;
  let done = false;
  Object.defineProperty(target, key, {
    enumerable: true,
    configurable: true,
    get() {
      if (!done) {
        value = compute();
        done = true;
      }
      return value;
    },
  });
  return target;
}

/** Middle kinds: UTF-8 text, or a run of lower- or upper-case hex digits stored two to a byte. */
const TEXT = 0;
const HEX_LOWER = 1;
const HEX_UPPER = 2;
/**
 * The whole value is the reference's with the reference's ident replaced by the row's (a DAV href named after the
 * UID, in the reference's collection: the common case, and the ident is stored already).
 */
const AS_REFERENCE_IDENT = 3;

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** The value of a hex digit's char code (0-9, a-f, A-F; the field checked it is one). */
function hexDigit(code: number): number {
  return code <= 0x39 ? code - 0x30 : (code | 0x20) - 0x57;
}

class Writer {
  readonly #bytes: number[] = [];

  byte(b: number): void {
    this.#bytes.push(b);
  }

  varint(n: number): void {
    let v = n;
    while (v >= 0x80) {
      this.#bytes.push((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    this.#bytes.push(v);
  }

  /**
   * `value` as the prefix and suffix it shares with `ref` (lengths) and what lies between, or, when it is `ref`
   * with `idents.ref` replaced by `idents.row`, as that.
   */
  field(value: string, ref: string, idents?: { readonly row: string; readonly ref: string }): void {
    if (
      idents &&
      idents.ref.length > 0 &&
      ref.includes(idents.ref) &&
      ref.replace(idents.ref, () => idents.row) === value
    ) {
      this.varint(0);
      this.varint(0);
      this.varint(AS_REFERENCE_IDENT);
      return;
    }
    let p = 0;
    const max = Math.min(value.length, ref.length);
    while (p < max && value.charCodeAt(p) === ref.charCodeAt(p)) p++;
    let s = 0;
    while (s < max - p && value.charCodeAt(value.length - 1 - s) === ref.charCodeAt(ref.length - 1 - s)) s++;
    // Never split a surrogate pair: the middle is stored as UTF-8, which cannot hold half of one.
    if (p > 0 && isHighSurrogate(value.charCodeAt(p - 1))) p--;
    if (s > 0 && isLowSurrogate(value.charCodeAt(value.length - s))) s--;
    const middle = value.slice(p, value.length - s);
    this.varint(p);
    this.varint(s);
    const kind = /^[0-9a-f]+$/.test(middle) ? HEX_LOWER : /^[0-9A-F]+$/.test(middle) ? HEX_UPPER : TEXT;
    if (kind === TEXT) {
      // Ids are mostly ASCII, whose UTF-8 is its char codes: no Buffer for a few bytes (one per field and row).
      if (isAscii(middle)) {
        this.varint(middle.length * 4 + TEXT);
        for (let i = 0; i < middle.length; i++) this.#bytes.push(middle.charCodeAt(i));
        return;
      }
      const utf8 = Buffer.from(middle, 'utf8');
      this.varint(utf8.length * 4 + TEXT);
      for (const b of utf8) this.#bytes.push(b);
      return;
    }
    this.varint(middle.length * 4 + kind);
    // Two hex digits a byte, an odd last one as its high half (what Buffer.from(`${middle}0`, 'hex') gives).
    for (let i = 0; i < middle.length; i += 2) {
      const low = i + 1 < middle.length ? hexDigit(middle.charCodeAt(i + 1)) : 0;
      this.#bytes.push(hexDigit(middle.charCodeAt(i)) * 16 + low);
    }
  }

  done(): Buffer {
    return Buffer.from(this.#bytes);
  }
}

class Reader {
  #at = 0;
  readonly #bytes: Buffer;

  constructor(bytes: Uint8Array) {
    // A view, not a copy: Buffer's native toString decodes each field's slice without allocating one.
    this.#bytes = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  byte(): number {
    if (this.#at >= this.#bytes.length) throw new Error('item_links.head ends early');
    return this.#bytes[this.#at++]!;
  }

  varint(): number {
    let n = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      n += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return n;
      shift += 7;
    }
  }

  field(ref: string, idents?: { readonly row: string; readonly ref: string }): string {
    const p = this.varint();
    const s = this.varint();
    const header = this.varint();
    const kind = header % 4;
    const length = Math.floor(header / 4);
    if (kind === AS_REFERENCE_IDENT) {
      if (!idents) throw new Error('item_links.head names the ident where it cannot');
      return ref.replace(idents.ref, () => idents.row);
    }
    const start = this.#at;
    const end = start + (kind === TEXT ? length : Math.ceil(length / 2));
    if (end > this.#bytes.length) throw new Error('item_links.head ends early');
    this.#at = end;
    let middle: string;
    if (kind === TEXT) middle = this.#bytes.toString('utf8', start, end);
    else {
      middle = this.#bytes.toString('hex', start, end);
      if (length % 2 === 1) middle = middle.slice(0, -1);
      if (kind === HEX_UPPER) middle = middle.toUpperCase();
    }
    return ref.slice(0, p) + middle + (s > 0 ? ref.slice(ref.length - s) : '');
  }
}
