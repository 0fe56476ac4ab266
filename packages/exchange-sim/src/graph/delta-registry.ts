/**
 * Server-side delta state ("token cache"). Each round of a delta chain is a state keyed by an opaque id; links carry
 * that id plus the parameters needed to build a reset Location. Evicting states models Exchange's token cache
 * dropping them: following an evicted link answers 410 Gone (or syncStateNotFound).
 */

export type DeltaKind = 'calendarView' | 'contacts' | 'tasks';

export interface DeltaResultEntry {
  /** Graph id of the entity (or tombstone). */
  id: string;
  removed: boolean;
  /** Item key in the store (for re-reading at page time). */
  itemKey: number;
  /** For calendar instances: the instance id in EWS spelling (store id), else the item id. */
  entityId: string;
}

export interface DeltaState {
  id: string;
  kind: DeltaKind;
  mailboxId: string;
  /** Graph path segment the chain was opened with (user id or UPN as the client wrote it). */
  user: string;
  folderKey: number;
  /** Folder id as given in the URL, or undefined for the default folder route. */
  folderSegment: string | undefined;
  window: { start: number; end: number } | undefined;
  /** Journal sequence this state covers. */
  seq: number;
  /** Calendar: instance ids (EWS spelling) known to the client per item key, with the window they were in. */
  known: Map<number, Set<string>>;
  pageSize: number;
  timeZone: string | undefined;
  immutableIds: boolean;
  select: string[] | undefined;
  /** Pending pages of a round (skiptoken states only). */
  pages?: DeltaResultEntry[][];
  /** The deltaLink state that ends this round. */
  next?: string;
  createdAt: number;
}

export class DeltaRegistry {
  private readonly states = new Map<string, DeltaState>();
  private counter = 0;

  newId(): string {
    this.counter++;
    return `${this.counter.toString(36)}${Math.random().toString(36).slice(2, 10)}`;
  }

  put(s: DeltaState): void {
    this.states.set(s.id, s);
  }

  get(id: string): DeltaState | undefined {
    return this.states.get(id);
  }

  /** Drop all states (or one mailbox's): the next follow-up of those links gets a reset. Returns how many. */
  evict(mailboxId?: string): number {
    let n = 0;
    for (const [id, s] of this.states) {
      if (!mailboxId || s.mailboxId === mailboxId) {
        this.states.delete(id);
        n++;
      }
    }
    return n;
  }

  size(): number {
    return this.states.size;
  }
}
