import type { SimulatorHandle } from '@exsync/exchange-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveSkipReason } from '../../../../packages/dav/src/testing/dav-servers';
import type { SyncRuntime } from '../jobs/sync-runtime';
import { type E2e, startE2e } from '../testing/e2e';
import { bearer, type TestApp } from '../testing/harness';

/**
 * While an initial sync of EVENTS events runs (EWS simulator → Radicale, through the worker), polling
 * GET /v1/users/{id} shows the run's phase and its counts rising; once it ends the progress is gone.
 */
const skip = liveSkipReason('radicale');
const EVENTS = 300;

describe.skipIf(skip)(`progress of an initial sync of ${EVENTS} events, seen through GET user`, () => {
  let e: E2e;
  let exchange: SimulatorHandle;
  let t: TestApp;
  let sync: SyncRuntime;
  let tenantKey: string;

  beforeAll(async () => {
    e = await startE2e({ simulator: { seed: 'exsync-progress' }, logLevel: 'silent' });
    t = e.t;
    exchange = e.exchange!;
    tenantKey = e.tenant.key;
    const start = Date.now() + 2 * 86_400_000;
    for (let i = 0; i < EVENTS; i++) {
      exchange.sim.store.createEvent(e.calendarId, {
        subject: `Event ${i}`,
        start: start + i * 3_600_000,
        end: start + i * 3_600_000 + 1_800_000,
      });
    }
    sync = await e.runtime();
  }, 60_000);

  afterAll(async () => {
    await e?.close();
  });

  it('GET user shows the phase and done of planned rising while the run goes, and no progress once it ended', async () => {
    await t.app.inject({ method: 'POST', url: '/v1/users/alice/sync', headers: bearer(tenantKey), payload: {} });
    let finished = false;
    const running = sync.worker.runOnce().finally(() => {
      finished = true;
    });
    const seen: { outcome: string; progress: { phase: string; done: number; planned: number | null } | null }[] = [];
    while (!finished) {
      const user = await t.app.inject({ method: 'GET', url: '/v1/users/alice', headers: bearer(tenantKey) });
      const lastRun = user.json().lastRun;
      if (lastRun) seen.push({ outcome: lastRun.outcome, progress: lastRun.progress });
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(await running).toBe(true);

    const writing = seen
      .filter((s) => s.outcome === 'running' && s.progress?.phase === 'writing')
      .map((s) => s.progress);
    expect(writing.every((p) => p?.planned === EVENTS)).toBe(true);
    const dones = [...new Set(writing.map((p) => p?.done ?? -1))];
    // Counts rose: several distinct values, in order, below the total while the run went on.
    expect(dones.length).toBeGreaterThanOrEqual(3);
    expect(dones).toEqual([...dones].sort((a, b) => a - b));
    expect(dones.some((d) => d > 0 && d < EVENTS)).toBe(true);

    const after = await t.app.inject({ method: 'GET', url: '/v1/users/alice', headers: bearer(tenantKey) });
    expect(after.json().lastRun).toMatchObject({
      outcome: 'success',
      progress: null,
      counts: { exchange_to_nextcloud: { create: EVENTS } },
    });
  }, 180_000);
});
