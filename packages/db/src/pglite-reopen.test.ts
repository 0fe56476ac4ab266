// The embedded database (PGlite) recovers by itself: an instance that is gone (its WebAssembly aborted, or closed
// under the service) is named as unavailable and replaced on the same data folder, without a restart.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Database, embeddedInstanceOf, openDatabase } from './open-database';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function fresh(): Promise<{ db: Database; logged: { level: string; msg: string; fields: object }[] }> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'exsync-reopen-'));
  const logged: { level: string; msg: string; fields: object }[] = [];
  const db = await openDatabase({
    dataDir,
    logger: {
      warn: (fields, msg) => logged.push({ level: 'warn', msg, fields }),
      info: (fields, msg) => logged.push({ level: 'info', msg, fields }),
    },
  });
  cleanups.push(async () => {
    await db.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  await db.query('CREATE TABLE kept (id int PRIMARY KEY)');
  await db.query('INSERT INTO kept VALUES (1)');
  return { db, logged };
}

/** Asks until the database answers again; the last error if it never does within `ms`. */
async function answersWithin(db: Database, ms: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    try {
      const [row] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM kept');
      return row?.n ?? -1;
    } catch (error) {
      if (Date.now() - started > ms) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describe('the embedded database reopens itself when its instance is gone', () => {
  it('a WebAssembly abort, then a close under the service: unavailable at once, then the same data answers again; logged once each', async () => {
    const { db, logged } = await fresh();
    const dead = embeddedInstanceOf(db);
    // The module's own abort(): the genuine WebAssembly trap a PGlite instance dies of, thrown from inside a query.
    const trap = () => (dead as unknown as { mod: { _abort(): never } }).mod._abort();
    dead.query = async () => trap();
    dead.exec = async () => trap();
    let reopened = 0;
    db.onReopen(async () => {
      reopened++;
      // The listener's own queries reach the new instance before anyone else's (leases released there first).
      await db.query('INSERT INTO kept VALUES ($1)', [100 + reopened]);
    });
    const held = db.withSession(async (s) => {
      await expect(s.query('SELECT 1')).rejects.toMatchObject({ name: 'DatabaseError', code: 'unavailable' });
      return s.lost;
    });
    const lost = await held;
    // What a session held (an advisory lock) died with the instance: the holder is told.
    expect(lost?.aborted).toBe(true);
    // Until it is reopened, every query fails at once with the same reason (readiness answers 503 from this).
    await expect(db.query('SELECT 1')).rejects.toMatchObject({ code: 'unavailable' });
    await expect(db.query('SELECT 1')).rejects.toThrow(/reopening it/);

    expect(await answersWithin(db, 15_000)).toBe(2);
    expect(embeddedInstanceOf(db)).not.toBe(dead);
    // Two instances never share the data folder: the dead one was closed.
    expect(dead.closed).toBe(true);
    expect(reopened).toBe(1);
    // Prisma's adapter was handed a stand-in, so it reaches the new instance too.
    expect(await db.prisma.$queryRawUnsafe<{ one: number }[]>('SELECT 1::int AS one')).toEqual([{ one: 1 }]);
    // New sessions are not lost.
    expect(await db.withSession(async (s) => s.lost?.aborted)).toBe(false);
    expect(logged.filter((l) => l.msg.includes('stopped working'))).toHaveLength(1);
    expect(logged.filter((l) => l.msg === 'the embedded database was reopened')).toHaveLength(1);

    // Closed under the service (the second way an instance is gone), noticed through Prisma: reopened again.
    await embeddedInstanceOf(db).close();
    await expect(db.prisma.$queryRawUnsafe('SELECT 1')).rejects.toThrow();
    expect(await answersWithin(db, 15_000)).toBe(3);
    expect(reopened).toBe(2);
  }, 90_000);

  it('an ordinary SQL error is the caller’s, and a deliberate close is final: nothing is reopened', async () => {
    const { db, logged } = await fresh();
    const instance = embeddedInstanceOf(db);
    let reopened = 0;
    db.onReopen(async () => {
      reopened++;
    });
    await expect(db.query('INSERT INTO kept VALUES (1)')).rejects.not.toMatchObject({ name: 'DatabaseError' });
    await expect(db.query('SELECT * FROM missing')).rejects.toThrow(/missing/);
    expect(await db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    expect(embeddedInstanceOf(db)).toBe(instance);
    expect(reopened).toBe(0);
    expect(logged).toEqual([]);

    // A deliberate close (the service stopping) is not undone.
    await db.close();
    await expect(db.query('SELECT 1')).rejects.toThrow(/service is stopping/);
    await new Promise((r) => setTimeout(r, 500));
    expect(embeddedInstanceOf(db)).toBe(instance);
    expect(reopened).toBe(0);
  }, 60_000);
});
