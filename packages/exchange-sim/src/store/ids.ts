/**
 * Opaque, deterministic ids. One binary key per object, shown in two spellings:
 *  - EWS: standard base64, starts with "AAMk", always contains '+' and '/', ends in '=';
 *  - Graph: the URL-safe variant ('-' and '_'), still ending in '='.
 * Keys come from a counter that never goes back, so an id is never reused after a delete. Occurrence ids embed the
 * master key, the master's pattern generation (a pattern change makes new occurrence ids) and the original start.
 * An item id embeds a move generation (a move gives a new id, as in Exchange); the `immutable` id never changes.
 */

export type IdKind = 'mailbox' | 'folder' | 'item' | 'occurrence' | 'immutable';
const KIND_BYTE: Record<IdKind, number> = { mailbox: 1, folder: 2, item: 3, occurrence: 4, immutable: 5 };
const PREFIX = [0x00, 0x03, 0x24]; // base64 "AAMk", like Exchange's own ids
const MARKER = [0xfb, 0xff, 0xbf]; // base64 "+/+/"
const LENGTH = 3 + 3 + 1 + 4 + 4 + 8; // 23 bytes: 23 % 3 = 2, so one '=' of padding

export interface DecodedId {
  kind: IdKind;
  key: number;
  generation: number;
  originalStart: number;
}

export function encodeId(kind: IdKind, key: number, generation = 0, originalStart = 0): string {
  const b = Buffer.alloc(LENGTH);
  b.set(PREFIX, 0);
  b.set(MARKER, 3);
  b.writeUInt8(KIND_BYTE[kind], 6);
  b.writeUInt32BE(key, 7);
  b.writeUInt32BE(generation, 11);
  b.writeDoubleBE(originalStart, 15);
  return b.toString('base64');
}

export const toGraphId = (ewsId: string): string => ewsId.replace(/\+/g, '-').replace(/\//g, '_');

/** Decodes either spelling; undefined for anything that is not one of our ids (tampered, truncated, case-changed). */
export function decodeId(id: string): DecodedId | undefined {
  if (typeof id !== 'string' || id.length !== 32 || !/^[A-Za-z0-9+/_-]+=$/.test(id)) return undefined;
  const b = Buffer.from(id.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (b.length !== LENGTH) return undefined;
  if (PREFIX.some((v, i) => b[i] !== v) || MARKER.some((v, i) => b[3 + i] !== v)) return undefined;
  const kindByte = b.readUInt8(6);
  const kind = (Object.keys(KIND_BYTE) as IdKind[]).find((k) => KIND_BYTE[k] === kindByte);
  if (!kind) return undefined;
  return { kind, key: b.readUInt32BE(7), generation: b.readUInt32BE(11), originalStart: b.readDoubleBE(15) };
}

/** EWS-looking ChangeKey; a fresh one for every write because `writeSeq` is global and only grows. */
export function encodeChangeKey(key: number, writeSeq: number): string {
  const b = Buffer.alloc(14);
  b.writeUInt16BE(0x0f00, 0);
  b.writeUInt32BE(0x00001600, 2);
  b.writeUInt32BE(key, 6);
  b.writeUInt32BE(writeSeq, 10);
  return b.toString('base64');
}

/** Deterministic GlobalObjectId-like UID (the hex Exchange gives meetings created without a client UID). */
export function globalObjectIdHex(seed: number, salt: string): string {
  const head = '040000008200E00074C5B7101A82E008';
  let h = 0x811c9dc5;
  const body: string[] = [];
  const input = `${salt}:${seed}`;
  for (let round = 0; round < 4; round++) {
    for (const ch of `${input}:${round}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    body.push(h.toString(16).toUpperCase().padStart(8, '0'));
  }
  return `${head}00000000000000000000000000000000100000000${body.join('')}`.slice(0, 112);
}

/** Deterministic GUID-looking string (mailbox object ids, tenant-side ids). */
export function deterministicGuid(seed: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x1234567;
  const hex: string[] = [];
  for (let round = 0; round < 4; round++) {
    for (const ch of `${seed}#${round}`) {
      h1 = Math.imul(h1 ^ ch.charCodeAt(0), 0x01000193) >>> 0;
      h2 = Math.imul(h2 ^ ch.charCodeAt(0), 0x5bd1e995) >>> 0;
    }
    hex.push(((h1 ^ h2) >>> 0).toString(16).padStart(8, '0'));
  }
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-4${s.slice(13, 16)}-8${s.slice(17, 20)}-${s.slice(20, 32)}`;
}
