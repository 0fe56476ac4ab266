import type { StatusStore, StatusWriter } from './status-store';

/**
 * The status writes of a page of items, gathered and committed in one transaction instead of one per item: a
 * first sync of 1,000 items costs ten commits, not two thousand. What must be durable before a remote write (the
 * pending row that makes a create's marker stable) is made so by `flush()` first; the rows written after remote
 * writes wait for the page's end. A crash before that leaves rows as they were before the page's writes, which
 * the next run settles as it settles any crash there: pending creates re-link by marker, and an update or delete
 * whose row was not written is read again and merges to no change.
 */
export class PageWrites {
  readonly #status: StatusStore;
  readonly #pair: string;
  #ops: ((tx: StatusWriter) => Promise<void>)[] = [];

  constructor(status: StatusStore, pair: string) {
    this.#status = status;
    this.#pair = pair;
  }

  /** The status store as the executor sees it: reads go through, each transaction is kept for the page's commit. */
  store(): StatusStore {
    const status = this.#status;
    const gather = this.gather.bind(this);
    return {
      rows: (pair) => status.rows(pair),
      pairState: (pair) => status.pairState(pair),
      transaction: (_pair, fn) => gather(fn),
      conflicts: (pair) => status.conflicts(pair),
      quarantined: (pair) => status.quarantined(pair),
      resolveQuarantine: (pair, id) => status.resolveQuarantine(pair, id),
      decideQuarantine: (pair, id, decision) => status.decideQuarantine(pair, id, decision),
      startRun: (pair, options) => status.startRun(pair, options),
      finishRun: (run, record) => status.finishRun(run, record),
      runs: (pair) => status.runs(pair),
    };
  }

  /** Runs `fn` against a recording writer; its writes join the page only if it returns (all of them, or none). */
  async gather<T>(fn: (tx: StatusWriter) => Promise<T>): Promise<T> {
    const ops: ((tx: StatusWriter) => Promise<void>)[] = [];
    const recorder: StatusWriter = {
      put: async (row) => void ops.push((tx) => tx.put(row)),
      drop: async (ident) => void ops.push((tx) => tx.drop(ident)),
      setPairState: async (patch) => void ops.push((tx) => tx.setPairState(patch)),
      recordConflict: async (conflict) => void ops.push((tx) => tx.recordConflict(conflict)),
      quarantine: async (record) => void ops.push((tx) => tx.quarantine(record)),
    };
    const result = await fn(recorder);
    this.#ops.push(...ops);
    return result;
  }

  /**
   * Commits everything gathered so far, in the order it was written, as one transaction. Flushes run one after
   * another: with items written concurrently, a flush that finds its writes already taken by one still committing
   * must not return before that commit (the caller relies on its writes being durable).
   */
  flush(): Promise<void> {
    const commit = this.#tail.then(() => this.#commit());
    this.#tail = commit.catch(() => {});
    return commit;
  }

  #tail: Promise<void> = Promise.resolve();

  async #commit(): Promise<void> {
    if (this.#ops.length === 0) return;
    const ops = this.#ops;
    this.#ops = [];
    await this.#status.transaction(this.#pair, async (tx) => {
      for (const op of ops) await op(tx);
    });
  }
}
