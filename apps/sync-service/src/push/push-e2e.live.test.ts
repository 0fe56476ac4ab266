import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveSkipReason } from '../../../../packages/dav/src/testing/dav-servers';
import { bearer } from '../testing/harness';
import { ewsBackend, graphBackend, type PushScenario, startPushScenario } from '../testing/push-latency';

/**
 * Push end to end with the interval at 24 h (so nothing but push can carry a change within the test): three
 * changes each way on the benchmark's path (bench/push.bench.ts measures 100 each way), on each Exchange backend.
 * Outlook → Nextcloud: the simulator's Graph notification, or its EWS streaming connection; Nextcloud → Exchange: a DAV write to Radicale and the Nextcloud app's call to
 * POST /v1/nextcloud-changes. No timing is asserted here; every change must arrive.
 */
const skip = liveSkipReason('radicale');

const backends = [
  { backend: graphBackend, mode: 'graph-subscription', via: 'Graph notifications' },
  { backend: ewsBackend, mode: 'ews-streaming', via: 'EWS streaming notifications' },
];

describe.skipIf(skip).each(backends)(
  'push end to end, interval 24 h ($backend.name simulator + Radicale)',
  ({ backend, mode, via }) => {
    let s: PushScenario;

    beforeAll(async () => {
      s = await startPushScenario(backend);
    }, 180_000);
    afterAll(async () => {
      await s?.close();
    });

    it('the scheduler would not sync for a day: the first sync was the only scheduled one', async () => {
      expect(await s.runtime.scheduler.tick()).toBe(0);
    });

    it(`three Outlook changes reach Radicale through ${via}`, async () => {
      const took = await s.outlookToNextcloud(3, { spacingMs: 200, timeoutMs: 90_000 });
      expect(took).toHaveLength(3);
    }, 180_000);

    it("three Nextcloud changes reach Exchange through the app's change call", async () => {
      const took = await s.nextcloudToExchange(3, { spacingMs: 200, timeoutMs: 90_000 });
      expect(took).toHaveLength(3);
    }, 180_000);

    it('the operator sees push active on both sides, with the last notification of each', async () => {
      // The app's heartbeat is part of its real traffic; here the change calls above count as contact.
      const res = await s.t.app.inject({ method: 'GET', url: '/v1/users/alice', headers: bearer(s.tenantKey) });
      const push = res.json().push;
      expect(push.exchange).toEqual({ mode, active: true, lastNotificationAt: expect.any(String), error: null });
      expect(push.nextcloud).toEqual({ active: true, lastNotificationAt: expect.any(String) });
    });
  },
);
