import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../migrator';
import { createTestDatabase, type TestDatabase, testBackends } from '../testing/test-database';
import { AdvisoryPairLock } from './advisory-pair-lock';

/**
 * The connection holding a pair's advisory lock is terminated by the server (pg_terminate_backend, a failover, a
 * restart): the process must live on, the lock must say it is lost, and the pair can be locked again.
 */
describe.skipIf(!testBackends.includes('postgres'))('PostgreSQL: the lock connection is terminated', () => {
  let test: TestDatabase;

  beforeAll(async () => {
    test = await createTestDatabase('postgres');
    await migrate(test.db);
  }, 60_000);
  afterAll(async () => {
    await test?.dispose();
  });

  /** The backend pid holding our advisory lock (there is one lock at a time in this suite). */
  async function lockHolder(): Promise<number> {
    const rows = await test.db.query<{ pid: number }>(
      "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    );
    if (rows.length !== 1) throw new Error(`expected one advisory lock, found ${rows.length}`);
    return rows[0]!.pid;
  }

  it('does not crash the process; the lease reports the loss; the server released the lock; the service reconnects', async () => {
    const unhandled: unknown[] = [];
    const onError = (error: unknown) => unhandled.push(error);
    process.on('uncaughtException', onError);
    try {
      const lock = new AdvisoryPairLock(test.db);
      const release = await lock.tryAcquire('pair-1');
      if (!release) throw new Error('not locked');
      expect(release.lost?.aborted).toBe(false);
      await test.db.query('SELECT pg_terminate_backend($1)', [await lockHolder()]);
      for (let i = 0; i < 100 && !release.lost?.aborted; i++) await new Promise((r) => setTimeout(r, 20));
      expect(release.lost?.aborted).toBe(true);
      expect(String(release.lost?.reason)).toMatch(/connection/i);
      await release(); // nothing left to unlock: harmless
      // The server dropped the lock with the session; a new session (the pool reconnects) takes it again.
      const again = await new AdvisoryPairLock(test.db).tryAcquire('pair-1');
      expect(again).toBeDefined();
      await again?.();
      expect(await test.db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      process.off('uncaughtException', onError);
    }
    expect(unhandled).toEqual([]);
  }, 30_000);
});
