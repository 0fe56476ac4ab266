import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';

/**
 * The SyncFolderItems watermark. Like Exchange's, it is self-contained and kept by the client: the server holds
 * no cursor, so any earlier state can be replayed. `floor` is the store sequence up to which the client is in
 * sync; `seen` lists items already reported during the current paging pass (digest → sequence reported), so a
 * pass can span many pages while the mailbox keeps changing. An HMAC makes tampering detectable.
 */
export interface SyncStateData {
  readonly kind: 'items' | 'folders';
  readonly mailbox: string;
  readonly folder: string;
  readonly floor: number;
  readonly seen: Readonly<Record<string, number>>;
}

export class InvalidSyncState extends Error {
  override readonly name = 'InvalidSyncState';
}

const MAC_LEN = 16;

const digests = new Map<string, string>();

/**
 * The short digest naming an item in a state's `seen` list. Memoised (a pure function of the id): every page of a
 * paging pass digests every item changed since the floor again, a hash apiece.
 */
export function idDigest(id: string): string {
  let d = digests.get(id);
  if (d === undefined) {
    d = createHash('sha256').update(id).digest('base64url').slice(0, 10);
    if (digests.size >= 100_000) digests.clear();
    digests.set(id, d);
  }
  return d;
}

/**
 * States issued for a folder in sync (no paging pass under way), by secret, scope and floor, and the same states by
 * their text. A client whose folder did not change sends back the state it was given and gets the same one again:
 * without these, each such SyncFolderItems paid a gunzip, a gzip and two HMACs — a fifth of the simulator's CPU in
 * a no-change cycle of many users. Pure memoisation: the text is what encoding would give, and a state found here
 * was issued (so authenticated) under that very secret.
 */
const MEMO_LIMIT = 20_000;
const issuedByScope = new Map<string, string>();
const issuedByText = new Map<string, Readonly<SyncStateData>>();

function memo<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.size >= MEMO_LIMIT) map.clear();
  map.set(key, value);
}

export function encodeSyncState(data: SyncStateData, secret: string): string {
  const inSync = Object.keys(data.seen).length === 0;
  const scope = `${secret}\n${data.kind}\n${data.mailbox}\n${data.folder}\n${data.floor}`;
  const known = inSync ? issuedByScope.get(scope) : undefined;
  if (known !== undefined) return known;
  const body = gzipSync(Buffer.from(JSON.stringify({ v: 1, ...data })));
  const mac = createHmac('sha256', secret).update(body).digest().subarray(0, MAC_LEN);
  const state = Buffer.concat([body, mac]).toString('base64');
  if (inSync) {
    memo(issuedByScope, scope, state);
    const { kind, mailbox, folder, floor } = data;
    memo(issuedByText, `${secret}\n${state}`, Object.freeze({ kind, mailbox, folder, floor, seen: Object.freeze({}) }));
  }
  return state;
}

/** Decodes and authenticates a state; anything truncated, altered or issued for another scope is refused. */
export function decodeSyncState(
  state: string,
  secret: string,
  expect: { kind: SyncStateData['kind']; mailbox: string; folder: string },
): SyncStateData {
  const issued = issuedByText.get(`${secret}\n${state.trim()}`);
  if (issued) return inScope(issued, expect);
  const raw = Buffer.from(state.trim(), 'base64');
  if (raw.length <= MAC_LEN) throw new InvalidSyncState('sync state too short');
  const body = raw.subarray(0, raw.length - MAC_LEN);
  const mac = raw.subarray(raw.length - MAC_LEN);
  const want = createHmac('sha256', secret).update(body).digest().subarray(0, MAC_LEN);
  if (!timingSafeEqual(mac, want)) throw new InvalidSyncState('sync state signature mismatch');
  let data: SyncStateData & { v: number };
  try {
    data = JSON.parse(gunzipSync(body).toString('utf8'));
  } catch {
    throw new InvalidSyncState('sync state undecodable');
  }
  if (data.v !== 1) throw new InvalidSyncState('sync state of an unknown version');
  return inScope(data, expect);
}

function inScope<T extends SyncStateData>(
  data: T,
  expect: { kind: SyncStateData['kind']; mailbox: string; folder: string },
): T {
  if (data.kind !== expect.kind || data.mailbox !== expect.mailbox || data.folder !== expect.folder) {
    throw new InvalidSyncState('sync state belongs to another folder or mailbox');
  }
  return data;
}
