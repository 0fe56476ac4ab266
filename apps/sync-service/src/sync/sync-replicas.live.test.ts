import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveSkipReason, type RunningDavServer } from '../../../../packages/dav/src/testing/dav-servers';
import type { SyncRuntime } from '../jobs/sync-runtime';
import { type E2e, startE2e } from '../testing/e2e';
import { bearer, type TestApp, WITH_POSTGRES } from '../testing/harness';

/** Two replicas' workers on one PostgreSQL: they share the queue and never sync the same user at once. */
const skip = liveSkipReason('radicale') || !WITH_POSTGRES;

describe.skipIf(skip)('two replicas on PostgreSQL', () => {
  let e: E2e;
  let radicale: RunningDavServer;
  let t: TestApp;
  let replicas: SyncRuntime[] = [];
  let key: string;

  beforeAll(async () => {
    e = await startE2e({ simulator: { seed: 'exsync-sync-replicas' }, postgres: true, logLevel: 'silent' });
    ({ radicale, t } = e);
    key = e.tenant.key;
    const soon = Date.now() + 86_400_000;
    e.exchange!.sim.store.createEvent(e.calendarId, { subject: 'Shared', start: soon, end: soon + 3_600_000 });
    replicas = await Promise.all([0, 1].map(() => e.runtime({ worker: { pollMs: 20, concurrency: 2 } })));
  }, 60_000);

  afterAll(async () => {
    for (const r of replicas) await r.stop(2000);
    await e?.close();
  });

  it('with two replicas polling one queue, repeated syncs of a user all succeed, never overlap and duplicate nothing', async () => {
    for (const r of replicas) r.worker.start();
    const runs = async () =>
      t.db.query<{ started_at: Date; finished_at: Date | null; outcome: string }>(
        'SELECT started_at, finished_at, outcome::text AS outcome FROM sync_runs ORDER BY started_at',
      );
    const deadline = Date.now() + 30_000;
    // Keep asking while syncs run: a request during a run must wait for it, not run beside it.
    while ((await runs()).filter((r) => r.finished_at).length < 4 && Date.now() < deadline) {
      await t.app.inject({ method: 'POST', url: '/v1/users/alice/sync', headers: bearer(key), payload: {} });
      await new Promise((r) => setTimeout(r, 50));
    }
    const done = (await runs()).filter((r) => r.finished_at);
    expect(done.length).toBeGreaterThanOrEqual(4);
    expect(done.every((r) => r.outcome === 'success')).toBe(true);
    for (let i = 1; i < done.length; i++) {
      const prev = done[i - 1]!;
      expect(new Date(done[i]!.started_at).getTime()).toBeGreaterThanOrEqual(new Date(prev.finished_at!).getTime());
    }
    const dir = join(radicale.dataDir, 'collections', 'collection-root', 'alice', 'exchange-calendar');
    expect((await readdir(dir)).filter((n) => n.endsWith('.ics'))).toHaveLength(1);
  }, 60_000);
});
