import type { PairLock, PairRelease } from '@exsync/core';
import type { Database } from '../open-database';

/** Keeps advisory-lock keys of pairs apart from every other lock the service takes. */
const NAMESPACE = 'exsync:pair:';

/**
 * One run per pair across every replica: a session-level `pg_try_advisory_lock` held on a dedicated connection for
 * as long as the run lasts, so it dies with a crashed process. PGlite is one shared session in which advisory locks
 * are re-entrant, so runs in this process are also kept apart in memory.
 */
export class AdvisoryPairLock implements PairLock {
  readonly #db: Database;
  readonly #held = new Set<string>();

  constructor(db: Database) {
    this.#db = db;
  }

  async tryAcquire(pair: string): Promise<PairRelease | undefined> {
    if (this.#held.has(pair)) return undefined;
    this.#held.add(pair);
    const key = NAMESPACE + pair;
    let release!: () => void;
    const released = new Promise<void>((r) => {
      release = r;
    });
    let acquired!: (locked: boolean) => void;
    const outcome = new Promise<boolean>((r) => {
      acquired = r;
    });
    const lost = new AbortController();
    // The session stays open, holding the lock, until `release` is called or its connection is lost.
    const session = this.#db.withSession(async (s) => {
      const [row] = await s.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked',
        [key],
      );
      acquired(row?.locked === true);
      if (!row?.locked) return;
      const gone = s.lost;
      if (gone?.aborted) return lost.abort(gone.reason);
      const onLost = () => release();
      gone?.addEventListener('abort', onLost, { once: true });
      await released;
      gone?.removeEventListener('abort', onLost);
      if (gone?.aborted) {
        // The server ended the session and with it the lock: nothing to unlock; the holder must stop.
        lost.abort(gone.reason);
        throw gone.reason;
      }
      await s.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]);
    });
    let locked: boolean;
    try {
      locked = await Promise.race([outcome, session.then(() => false)]);
    } catch (error) {
      this.#held.delete(pair);
      throw error;
    }
    if (!locked) {
      await session.catch(() => {});
      this.#held.delete(pair);
      return undefined;
    }
    // Once lost, the pair is free in this process too (the server already freed it for everyone).
    session
      .catch(() => {})
      .finally(() => {
        if (lost.signal.aborted) this.#held.delete(pair);
      });
    let done = false;
    const end = async () => {
      if (done) return;
      done = true;
      release();
      try {
        await session;
      } catch (error) {
        if (!lost.signal.aborted) throw error;
      } finally {
        this.#held.delete(pair);
      }
    };
    return Object.assign(end, { lost: lost.signal });
  }
}
