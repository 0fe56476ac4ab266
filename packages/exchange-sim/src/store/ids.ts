/**
 * Ids shaped like Exchange's own (reference: MS-OXCDATA 2.2.4 for entry ids; EWS ids are base64 of a small
 * header, the mailbox GUID and a PR_ENTRYID, which is why clients see ~150-character items ids starting "AAMkA"):
 *
 *   EwsId bytes = 0x00 (no compression) | 0x03 (mailbox-GUID based) | u16le 36 | mailbox GUID (ASCII)
 *                 | u16le n | entry id (n bytes) | processing instruction (0 = item/folder, 1 = occurrence)
 *                 | for occurrences: f64be original start | u32be pattern generation
 *   folder entry id (46 bytes)  = flags 0 | provider UID | u16be 0x0001 | database GUID | u48 key | u16 0
 *   message entry id (70 bytes) = flags 0 | provider UID | u16be 0x0007 | database GUID | u48 move generation
 *                 | u16 0 | database GUID | u48 key | u8 0 | u8 variant (0 = regular, 5 = Graph immutable id)
 *
 * The provider UID and database GUID derive from the mailbox GUID, and the provider UID carries the bytes
 * fb ff bf at an offset that makes every EWS id contain "+/+/" (and every Graph id "-_-_"), so clients that
 * mishandle base64 in URLs fail in tests. Keys come from a counter that never goes back, so an id is never reused
 * after a delete. Occurrence ids embed the master key, its pattern generation (a pattern change makes new
 * occurrence ids) and the original start. A move gives an item a new id (as in Exchange); the immutable id never
 * changes.
 */

export type IdKind = 'folder' | 'item' | 'occurrence' | 'immutable';

export interface DecodedId {
  kind: IdKind;
  key: number;
  generation: number;
  originalStart: number;
  /** Object id (GUID) of the mailbox the id belongs to. */
  mailboxGuid: string;
}

const FOLDER_ENTRY = 46;
const MESSAGE_ENTRY = 70;
const ZERO_GUID = '00000000-0000-0000-0000-000000000000';
const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** The lengths of an EwsId decodeId accepts (base64 of an entry id, as Exchange's are: ~150 characters). */
const plausibleIdLength = (id: string): boolean => id.length >= 100 && id.length <= 200;

function guidBytes(mailboxGuid: string, salt: number): Buffer {
  // Deterministic 16 bytes per mailbox: the GUID's own bytes, mixed with a salt per use.
  const hex = mailboxGuid.replace(/-/g, '');
  const b = Buffer.from(hex.length === 32 ? hex : ZERO_GUID.replace(/-/g, ''), 'hex');
  for (let i = 0; i < 16; i++) b[i] = (b[i]! ^ (salt * (i + 7))) & 0xff;
  return b;
}

/** Both GUIDs per mailbox, computed once (every id encoded or decoded needs them). */
const guidsByMailbox = new Map<string, { provider: Buffer; database: Buffer }>();
function guids(mailboxGuid: string): { provider: Buffer; database: Buffer } {
  let g = guidsByMailbox.get(mailboxGuid);
  if (!g) {
    const provider = guidBytes(mailboxGuid, 0x5a);
    provider.set([0xfb, 0xff, 0xbf], 2);
    g = { provider, database: guidBytes(mailboxGuid, 0x3c) };
    if (guidsByMailbox.size > 10_000) guidsByMailbox.clear();
    guidsByMailbox.set(mailboxGuid, g);
  }
  return g;
}

const providerUid = (mailboxGuid: string): Buffer => guids(mailboxGuid).provider;
const databaseGuid = (mailboxGuid: string): Buffer => guids(mailboxGuid).database;

function writeU48(b: Buffer, value: number, at: number): void {
  b.writeUInt16BE(Math.floor(value / 2 ** 32) & 0xffff, at);
  b.writeUInt32BE(value >>> 0, at + 2);
}
const readU48 = (b: Buffer, at: number): number => b.readUInt16BE(at) * 2 ** 32 + b.readUInt32BE(at + 2);

/** The PR_ENTRYID-like part of an id (what ConvertId calls EntryId). */
export function entryIdBytes(kind: IdKind, key: number, generation: number, mailboxGuid: string): Buffer {
  if (kind === 'folder') {
    const b = Buffer.alloc(FOLDER_ENTRY);
    providerUid(mailboxGuid).copy(b, 4);
    b.writeUInt16BE(0x0001, 20);
    databaseGuid(mailboxGuid).copy(b, 22);
    writeU48(b, key, 38);
    return b;
  }
  const b = Buffer.alloc(MESSAGE_ENTRY);
  providerUid(mailboxGuid).copy(b, 4);
  b.writeUInt16BE(0x0007, 20);
  databaseGuid(mailboxGuid).copy(b, 22);
  writeU48(b, kind === 'occurrence' ? 0 : generation, 38);
  databaseGuid(mailboxGuid).copy(b, 46);
  writeU48(b, key, 62);
  b.writeUInt8(kind === 'immutable' ? 5 : 0, 69);
  return b;
}

/** Wraps an entry id into the EwsId byte layout. */
export function ewsIdFromEntryId(
  entry: Buffer,
  mailboxGuid: string,
  occurrence?: { originalStart: number; generation: number },
): string {
  const guid = Buffer.from(mailboxGuid, 'ascii');
  const head = Buffer.alloc(4);
  head.writeUInt8(0x00, 0);
  head.writeUInt8(0x03, 1);
  head.writeUInt16LE(guid.length, 2);
  const len = Buffer.alloc(2);
  len.writeUInt16LE(entry.length, 0);
  const tail = occurrence ? Buffer.alloc(13) : Buffer.alloc(1);
  if (occurrence) {
    tail.writeUInt8(1, 0);
    tail.writeDoubleBE(occurrence.originalStart, 1);
    tail.writeUInt32BE(occurrence.generation, 9);
  }
  return Buffer.concat([head, guid, len, entry, tail]).toString('base64');
}

export function encodeId(
  kind: IdKind,
  key: number,
  generation = 0,
  originalStart = 0,
  mailboxGuid: string = ZERO_GUID,
): string {
  const entry = entryIdBytes(kind, key, generation, mailboxGuid);
  const occurrence = kind === 'occurrence' ? { originalStart, generation } : undefined;
  const id = ewsIdFromEntryId(entry, mailboxGuid, occurrence);
  // What decodeId will be asked of it, known already: the ids the simulator hands out (every occurrence of every
  // calendar view) come back in the next requests, and decoding is base64 and a re-encoding check. Only for an id
  // decodeId's checks accept: it must answer for the text exactly what decoding it would.
  if (!decoded.has(id) && plausibleIdLength(id) && GUID_RE.test(mailboxGuid)) {
    remember(id, fromParts({ mailboxGuid, entry, ...(occurrence ? { occurrence } : {}) }));
  }
  return id;
}

/** The Graph spelling of an EwsId (base64url); it decodes as the EWS spelling does. */
export const toGraphId = (ewsId: string): string => {
  const graphId = ewsId.replace(/\+/g, '-').replace(/\//g, '_');
  if (graphId !== ewsId && decoded.has(ewsId) && !decoded.has(graphId)) remember(graphId, decoded.get(ewsId));
  return graphId;
};

/** Decodes an entry id of ours (with the mailbox it must belong to); undefined when it is not one. */
export function decodeEntryId(
  entry: Buffer,
  mailboxGuid: string,
): { kind: 'folder' | 'item' | 'immutable'; key: number; generation: number } | undefined {
  if (entry.length !== FOLDER_ENTRY && entry.length !== MESSAGE_ENTRY) return undefined;
  if (entry.readUInt32BE(0) !== 0 || !entry.subarray(4, 20).equals(providerUid(mailboxGuid))) return undefined;
  if (!entry.subarray(22, 38).equals(databaseGuid(mailboxGuid))) return undefined;
  const type = entry.readUInt16BE(20);
  if (entry.length === FOLDER_ENTRY) {
    if (type !== 0x0001 || entry.readUInt16BE(44) !== 0) return undefined;
    return { kind: 'folder', key: readU48(entry, 38), generation: 0 };
  }
  if (type !== 0x0007 || !entry.subarray(46, 62).equals(databaseGuid(mailboxGuid))) return undefined;
  const variant = entry.readUInt8(69);
  if (entry.readUInt16BE(44) !== 0 || entry.readUInt8(68) !== 0 || (variant !== 0 && variant !== 5)) return undefined;
  return { kind: variant === 5 ? 'immutable' : 'item', key: readU48(entry, 62), generation: readU48(entry, 38) };
}

/** Splits an EwsId (either base64 spelling) into mailbox GUID, entry id and tail; undefined when malformed. */
export function splitEwsId(
  id: string,
): { mailboxGuid: string; entry: Buffer; occurrence?: { originalStart: number; generation: number } } | undefined {
  if (typeof id !== 'string' || !plausibleIdLength(id) || !/^[A-Za-z0-9+/_-]+=*$/.test(id)) return undefined;
  const b = Buffer.from(id.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  // Re-encoding must give the same text: a case-changed or truncated id is another, unknown id.
  if (b.toString('base64').replace(/=+$/, '') !== id.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, ''))
    return undefined;
  if (b.length < 4 + 36 + 2 + 1 || b[0] !== 0 || b[1] !== 3 || b.readUInt16LE(2) !== 36) return undefined;
  const mailboxGuid = b.subarray(4, 40).toString('ascii');
  if (!GUID_RE.test(mailboxGuid)) return undefined;
  const n = b.readUInt16LE(40);
  if (b.length < 42 + n + 1) return undefined;
  const entry = b.subarray(42, 42 + n);
  const instruction = b[42 + n];
  const rest = b.length - (42 + n + 1);
  if (instruction === 0 && rest === 0) return { mailboxGuid, entry };
  if (instruction === 1 && rest === 12) {
    const t = 43 + n;
    return { mailboxGuid, entry, occurrence: { originalStart: b.readDoubleBE(t), generation: b.readUInt32BE(t + 8) } };
  }
  return undefined;
}

/**
 * Decoded ids, remembered: one GetItem resolves each id three times (the operation, the store, the access check)
 * and decoding is base64, a re-encoding check and buffer compares. Decoding is a pure function of the text, so
 * the memo can never be stale; it is emptied when it grows large.
 */
const decoded = new Map<string, Readonly<DecodedId> | undefined>();

/** Decodes either spelling; undefined for anything that is not one of our ids (tampered, truncated, case-changed). */
export function decodeId(id: string): Readonly<DecodedId> | undefined {
  if (decoded.has(id)) return decoded.get(id);
  const d = decodeIdOnce(id);
  remember(id, d);
  return d;
}

function remember(id: string, d: DecodedId | undefined): void {
  if (decoded.size > 100_000) decoded.clear();
  decoded.set(id, d && Object.freeze(d));
}

/** Forget every decoded id (tests: decoding from the text, not from what encoding remembered). */
export function forgetDecodedIds(): void {
  decoded.clear();
}

function decodeIdOnce(id: string): DecodedId | undefined {
  const parts = splitEwsId(id);
  return parts && fromParts(parts);
}

/** The decoded id from its split parts (see splitEwsId). */
function fromParts(parts: {
  mailboxGuid: string;
  entry: Buffer;
  occurrence?: { originalStart: number; generation: number };
}): DecodedId | undefined {
  const e = decodeEntryId(parts.entry, parts.mailboxGuid);
  if (!e) return undefined;
  if (parts.occurrence) {
    if (e.kind !== 'item') return undefined;
    return { kind: 'occurrence', key: e.key, mailboxGuid: parts.mailboxGuid, ...parts.occurrence };
  }
  return { ...e, originalStart: 0, mailboxGuid: parts.mailboxGuid };
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
