import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MemoryStore, sampleEvent } from '@exsync/core/testing';
import { embeddedInstanceOf } from '@exsync/db';
import type { Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveSkipReason, type RunningDavServer } from '../../../../packages/dav/src/testing/dav-servers';
import { createSyncRuntime } from '../jobs/sync-runtime';
import { type E2e, startE2e } from '../testing/e2e';
import { bearer, type TestApp } from '../testing/harness';

/**
 * The embedded database (PGlite) stops working while a pair is being synced: the run fails with the database's
 * reason, the process lives on, the database reopens itself on the same data folder (no restart), the leases and
 * runs of the dead instance are released, and the retried sync completes. The Exchange side is an in-memory store,
 * Nextcloud a real Radicale.
 */
const skip = liveSkipReason('radicale');

describe.skipIf(skip)('the embedded database stops working mid-run', () => {
  let e: E2e;
  let radicale: RunningDavServer;
  let t: TestApp;
  let tenantKey: string;
  const exchange = new MemoryStore({ hrefPrefix: '/x/' });
  let workerLog: string[];
  let logger: Logger;

  beforeAll(async () => {
    e = await startE2e();
    ({ radicale, t, log: workerLog, logger } = e);
    tenantKey = e.tenant.key;
  }, 180_000);

  afterAll(async () => {
    await e?.close();
  });

  it('the database stops mid-run: the process lives on, /readyz says not ready, the database reopens itself within seconds, and the next sync completes once', async () => {
    const at = (h: number) => new Date(Date.now() + 2 * 86_400_000 + h * 3_600_000).toISOString();
    for (let i = 0; i < 4; i++) exchange.put(sampleEvent(`p${i}`, at(i)));
    const runtime = createSyncRuntime({
      db: t.db,
      vault: t.vault,
      logger,
      davRoot: (url) => url,
      exchangeStores: () => ({ store: exchange, collectionId: 'memory-calendar' }),
      // The existing retry brings the failed run back; short waits keep the test quick.
      worker: { pollMs: 100, baseBackoffMs: 200 },
    });
    await runtime.prepare();
    const crashes: unknown[] = [];
    const onCrash = (error: unknown) => crashes.push(error);
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);
    const dead = embeddedInstanceOf(t.db);
    let notReady: { statusCode: number; body: { code?: string; message?: string } } | undefined;
    // Once Exchange's side has been read in the first run, the PGlite instance is closed under the service; the
    // readiness probe asked right then is the first to meet it.
    const getMany = exchange.getMany.bind(exchange);
    exchange.getMany = async function* (hrefs, signal) {
      for await (const r of getMany(hrefs, signal)) yield r;
      if (dead.closed) return;
      await dead.close();
      const res = await t.app.inject({ method: 'GET', url: '/readyz' });
      notReady = { statusCode: res.statusCode, body: res.json() };
    };
    let recoveredMs = -1;
    try {
      expect(
        (await t.app.inject({ method: 'POST', url: '/v1/users/alice/sync', headers: bearer(tenantKey), payload: {} }))
          .statusCode,
      ).toBe(200);
      runtime.start();
      await until('the database to be closed mid-run', () => (notReady ? true : undefined), 60_000);
      const struck = Date.now();
      // Ready again without a restart: the same process, the same data folder.
      await until(
        'readiness after the reopen',
        async () => ((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200 ? true : undefined),
        30_000,
      );
      recoveredMs = Date.now() - struck;
      // The failed run is retried by the queue and completes: no run running, no job left. Well within the job
      // lease (1 min): the dead instance's lease is released on reopen, not left to expire.
      await until(
        'the next sync to complete',
        async () => {
          const runs = await t.db.query<{ outcome: string }>('SELECT outcome::text FROM sync_runs');
          const jobs = await t.db.query('SELECT 1 FROM exsync_jobs.sync_jobs');
          const done = runs.some((r) => r.outcome === 'success') && !runs.some((r) => r.outcome === 'running');
          return done && jobs.length === 0 ? true : undefined;
        },
        30_000,
      );
    } finally {
      await runtime.stop(1000);
      process.off('uncaughtException', onCrash);
      process.off('unhandledRejection', onCrash);
      exchange.getMany = getMany;
    }
    console.log(`embedded database closed mid-run; ready again after ${recoveredMs} ms`);
    expect(crashes).toEqual([]);
    // While it was gone, readiness said so in the catalogue shape, naming the embedded database.
    expect(notReady?.statusCode).toBe(503);
    expect(notReady?.body).toEqual({ code: 'EXSYNC_NOT_READY', message: expect.any(String) });
    expect(embeddedInstanceOf(t.db)).not.toBe(dead);
    const logged = workerLog.map((l) => JSON.parse(l) as { msg: string; err?: { message?: string } });
    expect(logged.find((l) => l.err?.message?.includes('The embedded database stopped working'))).toBeDefined();

    const runs = await t.db.query<{ outcome: string; error: string | null }>(
      'SELECT outcome::text, error FROM sync_runs ORDER BY started_at',
    );
    // The run that met the dead instance ended failed (with its reason, or as interrupted by the reopen).
    expect(runs[0]).toMatchObject({ outcome: 'failed', error: expect.any(String) });
    expect(runs.filter((r) => r.outcome === 'running')).toEqual([]);
    const [alice] = await t.db.query<{ state: string }>("SELECT state::text FROM users WHERE nc_user_id = 'alice'");
    expect(alice?.state).toBe('active');
    // Every event is linked to its Nextcloud copy, and Radicale holds each once.
    const [links] = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM item_links');
    expect(links?.n).toBe(4);
    const uids = await radicaleUids(join(radicale.dataDir, 'collections', 'collection-root', 'alice'));
    expect(uids).toHaveLength(4);
    expect(new Set(uids).size).toBe(4);
  }, 180_000);
});

/** The UIDs of every calendar object Radicale stores under a folder (unfolded first, RFC 5545 §3.1). */
async function radicaleUids(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  // Radicale keeps copies in its own cache folders: only the collection's items count.
  const files = entries.filter((f) => f.endsWith('.ics') && !f.includes('.Radicale.cache'));
  const texts = await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')));
  return texts.map((t) => /^UID:(.*)$/m.exec(t.replace(/\r?\n[ \t]/g, ''))?.[1]?.trim() ?? '?');
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
