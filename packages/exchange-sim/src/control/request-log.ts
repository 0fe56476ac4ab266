/** Every request any face served, for assertions: what was asked, by whom, what came back, and retry manners. */
import type { Face } from './faults';

export interface RetryWait {
  /** What the previous throttled answer told this client to wait. */
  advertisedMs: number;
  /** How long the client actually waited before this request. */
  waitedMs: number;
  honoured: boolean;
}

export interface RequestLogEntry {
  seq: number;
  /** Real wall-clock time (ms); the virtual clock is in `virtualAt`. */
  at: number;
  virtualAt: number;
  face: Face;
  method: string;
  url: string;
  status?: number;
  durationMs?: number;
  /** App id (bearer) or account name (Basic/NTLM), when known. */
  client?: string;
  mailbox?: string;
  /** EWS operation name or Graph resource kind, set by the face. */
  operation?: string;
  clientRequestId?: string;
  anchorMailbox?: string;
  prefer?: string;
  faultId?: number;
  throttled?: boolean;
  /** Set when this request followed a throttled answer to the same client and mailbox. */
  retryWait?: RetryWait;
  /** Inner request of a Graph $batch. */
  batchInner?: boolean;
  /** Free-form notes a face adds (e.g. "X-AnchorMailbox missing"). */
  notes?: string[];
}

/** How many entries the log keeps: the most recent. */
const KEPT = 20_000;

export class RequestLog {
  private entries: RequestLogEntry[] = [];
  private seq = 0;
  /** Requests served per face since the start, also those the log no longer keeps. */
  private served = new Map<Face, number>();

  /** Numbers and keeps the entry given (not a copy: the caller's literal is the entry, one object per request). */
  start(e: Omit<RequestLogEntry, 'seq'>): RequestLogEntry {
    const entry = e as RequestLogEntry;
    entry.seq = ++this.seq;
    this.served.set(e.face, (this.served.get(e.face) ?? 0) + 1);
    this.entries.push(entry);
    // Old entries leave in batches: dropping one from the front on every request moved the whole array each time.
    if (this.entries.length >= KEPT + KEPT / 10) this.entries.splice(0, this.entries.length - KEPT);
    return entry;
  }

  list(filter: { face?: Face; since?: number } = {}): RequestLogEntry[] {
    const kept = this.entries.length > KEPT ? this.entries.slice(-KEPT) : this.entries;
    return kept.filter((e) => (!filter.face || e.face === filter.face) && (!filter.since || e.seq > filter.since));
  }

  /** How many requests a face (or every face) served since the start: unlike `list`, not capped by what is kept. */
  count(face?: Face): number {
    if (face) return this.served.get(face) ?? 0;
    return this.seq;
  }

  clear(): void {
    this.entries = [];
  }
}
