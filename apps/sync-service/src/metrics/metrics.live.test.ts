import { randomBytes } from 'node:crypto';
import { createOperationsRepository } from '@exsync/db';
import type { SimulatorHandle } from '@exsync/exchange-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveSkipReason } from '../../../../packages/dav/src/testing/dav-servers';
import type { SyncRuntime } from '../jobs/sync-runtime';
import { ALICE, type E2e, startE2e } from '../testing/e2e';
import { bearer, createTenant, type TestApp } from '../testing/harness';
import { createMetrics, type SyncMetrics } from './metrics';

/**
 * /metrics after a few real runs (EWS simulator ⇄ Radicale, through the API and the worker): every family the
 * README lists is there with a non-zero value, and only the admin key or EXSYNC_METRICS_KEY may read it.
 */
const skip = liveSkipReason('radicale');
const METRICS_KEY = randomBytes(32).toString('base64url');

describe.skipIf(skip)('/metrics after a few runs (EWS simulator ⇄ Radicale)', () => {
  let e: E2e;
  let exchange: SimulatorHandle;
  let t: TestApp;
  let sync: SyncRuntime;
  let metrics: SyncMetrics | undefined;
  let tenantKey: string;
  let tenantId: string;

  beforeAll(async () => {
    e = await startE2e({
      simulator: { seed: 'exsync-metrics' },
      kinds: { events: true, contacts: true },
      logLevel: 'silent',
      app: {
        metrics: (db) =>
          (metrics = createMetrics({ operations: createOperationsRepository(db), processMetrics: false })),
        metricsKey: METRICS_KEY,
      },
    });
    t = e.t;
    exchange = e.exchange!;
    ({ id: tenantId, key: tenantKey } = e.tenant);
    const start = Date.now() + 2 * 86_400_000;
    for (let i = 0; i < 3; i++) {
      exchange.sim.store.createEvent(e.calendarId, {
        subject: `Review ${i}`,
        start: start + i * 3_600_000,
        end: start + (i + 1) * 3_600_000,
      });
    }
    // Refused by Radicale: a failed run with an error code.
    expect(
      (await e.api('PUT', '/v1/users/bob', { loginName: 'alice', appPassword: 'wrong', mailbox: ALICE })).statusCode,
    ).toBe(201);
    if (!metrics) throw new Error('the app made no metrics');
    sync = await e.runtime({ metrics });
  }, 60_000);

  afterAll(async () => {
    await e?.close();
  });

  const syncNow = async (user: string) => {
    const r = await t.app.inject({
      method: 'POST',
      url: `/v1/users/${user}/sync`,
      headers: bearer(tenantKey),
      payload: {},
    });
    expect(r.statusCode, r.body).toBe(200);
    while (await sync.worker.runOnce()) {}
  };

  /** `name{labels} value` lines of one family whose value is above zero. */
  function nonZero(text: string, family: string): string[] {
    return text
      .split('\n')
      .filter((l) => l.startsWith(`${family}{`) || l.startsWith(`${family} `))
      .filter((l) => Number(l.slice(l.lastIndexOf(' ') + 1)) > 0);
  }

  it('every family has non-zero values after a sync, a throttled sync and a refused one', async () => {
    await syncNow('alice'); // 3 events into Radicale
    exchange.sim.injectFault(
      { face: 'ews', operation: 'SyncFolderItems' },
      { kind: 'status', status: 503, retryAfterSeconds: 120 },
    );
    await syncNow('alice'); // throttled: re-queued for later
    await syncNow('bob'); // Radicale refuses the app password

    const scraped = await t.app.inject({ method: 'GET', url: '/metrics', headers: bearer(METRICS_KEY) });
    expect(scraped.statusCode, scraped.body).toBe(200);
    expect(scraped.headers['content-type']).toContain('text/plain');
    const text = scraped.body;
    expect(nonZero(text, 'exsync_runs_total')).toEqual(
      expect.arrayContaining([expect.stringContaining('kind="events",outcome="success"')]),
    );
    expect(nonZero(text, 'exsync_run_duration_seconds_count')).not.toEqual([]);
    expect(nonZero(text, 'exsync_items_written_total')).toEqual([
      'exsync_items_written_total{kind="events",action="create",direction="exchange_to_nextcloud"} 3',
    ]);
    expect(nonZero(text, 'exsync_errors_total')).toEqual(
      expect.arrayContaining([expect.stringContaining('code="auth"')]),
    );
    expect(nonZero(text, 'exsync_backend_requests_total')).toEqual(
      expect.arrayContaining([
        expect.stringContaining('backend="ews",status_class="2xx"'),
        expect.stringContaining('backend="ews",status_class="5xx"'),
        expect.stringContaining('backend="dav",status_class="2xx"'),
        expect.stringContaining('backend="dav",status_class="4xx"'),
      ]),
    );
    expect(nonZero(text, 'exsync_throttle_waits_total')).toEqual(['exsync_throttle_waits_total{where="queue"} 1']);
    expect(nonZero(text, 'exsync_throttle_wait_seconds_total')).toEqual([
      'exsync_throttle_wait_seconds_total{where="queue"} 120',
    ]);
    // alice's retry waits in the queue; alice is throttled, bob must re-enrol.
    expect(nonZero(text, 'exsync_queue_jobs')).toEqual(['exsync_queue_jobs{state="queued"} 1']);
    expect(nonZero(text, 'exsync_users')).toEqual(
      expect.arrayContaining(['exsync_users{state="throttled"} 1', 'exsync_users{state="auth_required"} 1']),
    );
    expect(text).toContain('exsync_queue_oldest_due_seconds 0');
  }, 120_000);

  it('GET /v1/overview (after the runs above) counts this tenant only: users per state, 24 h runs, queue, cycle', async () => {
    const own = await t.app.inject({ method: 'GET', url: '/v1/overview', headers: bearer(tenantKey) });
    expect(own.statusCode, own.body).toBe(200);
    const o = own.json();
    expect(o.users).toEqual({ active: 0, paused: 0, auth_required: 1, throttled: 1, error: 0, needs_review: 0 });
    // alice: events + contacts, then events throttled (failed, one 503) and contacts again; bob: refused (failed).
    expect(o.last24h.runs).toBe(5);
    expect(o.last24h.failures).toBe(2);
    expect(o.last24h.byOutcome).toEqual({ success: 3, failed: 2 });
    // alice's retry waits 120 s: queued, not yet due.
    expect(o.queue).toEqual({ queued: 1, active: 0, oldestWaitingSince: null });
    // The scheduler syncs alice only (bob waits for a new app password): a cycle of one user.
    expect(o.lastCycle).toMatchObject({ users: 1, seconds: 0 });
    const byAdmin = await t.app.inject({
      method: 'GET',
      url: `/v1/tenants/${tenantId}/overview`,
      headers: bearer(t.adminKey),
    });
    expect(byAdmin.json()).toEqual(o);
    const other = await createTenant(t, 'Fabrikam');
    const empty = (await t.app.inject({ method: 'GET', url: '/v1/overview', headers: bearer(other.key) })).json();
    expect(empty).toMatchObject({
      last24h: { runs: 0, failures: 0 },
      lastCycle: null,
      queue: { queued: 0, active: 0 },
    });
  });

  it('is guarded: no key → 401, a tenant key → 403, the metrics key opens nothing else', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/metrics', headers: bearer(tenantKey) })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/metrics', headers: bearer(t.adminKey) })).statusCode).toBe(200);
    const elsewhere = await t.app.inject({ method: 'GET', url: '/v1/tenants', headers: bearer(METRICS_KEY) });
    expect(elsewhere.statusCode).toBe(401);
  });
});
