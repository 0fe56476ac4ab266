import type { ConflictRecord, QuarantineRecord } from './plan-types';
import type {
  PairLock,
  QuarantineDecision,
  RunRecord,
  StatusStore,
  StatusWriter,
  StoredConflict,
  StoredQuarantine,
  StoredRun,
} from './status-store';
import type { PairState, StatusRow } from './types';
import { emptyPairState } from './types';

interface PairData {
  rows: Map<string, StatusRow>;
  state: PairState;
  conflicts: StoredConflict[];
  quarantine: (StoredQuarantine & { resolved?: boolean })[];
}

/**
 * A `StatusStore` in memory, for tests and for trying the engine without a database. Transactions stage their
 * writes and apply them only when the callback succeeds. Values are deep-copied in and out, as a database would.
 */
export class MemoryStatusStore implements StatusStore {
  readonly #pairs = new Map<string, PairData>();
  readonly #runs = new Map<string, StoredRun & { pair: string }>();
  #seq = 0;
  #now: () => Date;

  constructor(options: { now?: () => Date } = {}) {
    this.#now = options.now ?? (() => new Date());
  }

  #pair(pair: string): PairData {
    let data = this.#pairs.get(pair);
    if (!data) {
      data = { rows: new Map(), state: emptyPairState, conflicts: [], quarantine: [] };
      this.#pairs.set(pair, data);
    }
    return data;
  }

  async rows(pair: string): Promise<StatusRow[]> {
    return [...this.#pair(pair).rows.values()].map(copy);
  }

  async pairState(pair: string): Promise<PairState> {
    return copy(this.#pair(pair).state);
  }

  async transaction<T>(pair: string, fn: (tx: StatusWriter) => Promise<T>): Promise<T> {
    const staged: ((data: PairData) => void)[] = [];
    const tx: StatusWriter = {
      put: async (row) => {
        const c = copy(row);
        staged.push((d) => {
          // An href belongs to one row: the newest claim wins, as the database's unique index demands.
          for (const side of ['a', 'b'] as const) {
            const href = c[side]?.href;
            if (href === undefined) continue;
            for (const other of d.rows.values()) {
              if (other.ident === c.ident || other[side]?.href !== href) continue;
              const { [side]: _, ...rest } = other;
              d.rows.set(other.ident, rest);
            }
          }
          d.rows.set(c.ident, c);
        });
      },
      drop: async (ident) => {
        staged.push((d) => d.rows.delete(ident));
      },
      setPairState: async (patch) => {
        const c = copy(patch);
        staged.push((d) => {
          d.state = { ...d.state, ...c, tokens: { ...d.state.tokens, ...c.tokens } };
        });
      },
      recordConflict: async (conflict: ConflictRecord) => {
        const c = copy(conflict);
        staged.push((d) => d.conflicts.push({ ...c, id: this.#id(), createdAt: this.#now().toISOString() }));
      },
      quarantine: async (record: QuarantineRecord) => {
        const c = copy(record);
        staged.push((d) => {
          if (d.quarantine.some((q) => !q.resolved && q.ident === c.ident && q.side === c.side)) return;
          d.quarantine.push({ ...c, id: this.#id(), createdAt: this.#now().toISOString() });
        });
      },
    };
    const result = await fn(tx);
    const data = this.#pair(pair);
    for (const apply of staged) apply(data);
    return result;
  }

  async conflicts(pair: string): Promise<StoredConflict[]> {
    return copy(this.#pair(pair).conflicts);
  }

  async decideQuarantine(pair: string, id: string, decision: QuarantineDecision): Promise<boolean> {
    const q = this.#pair(pair).quarantine.find((x) => x.id === id && !x.resolved);
    if (!q) return false;
    Object.assign(q, { decision });
    return true;
  }

  async quarantined(pair: string): Promise<StoredQuarantine[]> {
    return copy(this.#pair(pair).quarantine.filter((q) => !q.resolved)).map(({ resolved: _, ...q }) => q);
  }

  async resolveQuarantine(pair: string, id: string): Promise<void> {
    const q = this.#pair(pair).quarantine.find((x) => x.id === id);
    if (q) q.resolved = true;
  }

  async startRun(pair: string, options: { readonly dryRun: boolean }): Promise<string> {
    const id = this.#id();
    this.#runs.set(id, {
      id,
      pair,
      dryRun: options.dryRun,
      startedAt: this.#now().toISOString(),
      outcome: 'cancelled',
      counts: {},
    });
    return id;
  }

  async finishRun(run: string, record: RunRecord): Promise<void> {
    const existing = this.#runs.get(run);
    if (existing) this.#runs.set(run, { ...existing, ...copy(record), finishedAt: this.#now().toISOString() });
  }

  async runs(pair: string): Promise<StoredRun[]> {
    return [...this.#runs.values()].filter((r) => r.pair === pair).map(({ pair: _, ...r }) => copy(r));
  }

  #id(): string {
    this.#seq += 1;
    return `m${this.#seq}`;
  }
}

/** Per-process pair lock, for tests and single-process use. */
export class MemoryPairLock implements PairLock {
  readonly #held = new Set<string>();

  async tryAcquire(pair: string): Promise<(() => Promise<void>) | undefined> {
    if (this.#held.has(pair)) return undefined;
    this.#held.add(pair);
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      this.#held.delete(pair);
    };
  }

  isHeld(pair: string): boolean {
    return this.#held.has(pair);
  }
}

function copy<T>(value: T): T {
  return structuredClone(value);
}
