import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bearer, createTenant, startTestApp, type TestApp } from '../../testing/harness';

/**
 * POST /v1/nextcloud-changes: the Nextcloud app's "these users' collections changed". Proves it queues exactly the
 * named users (one job each however many entries), ignores what it must, is bounded, is reachable only with the
 * tenant's own key, and shows up as push state on GET /users/{id}.
 */
let t: TestApp;
let acme: { id: string; key: string };
let other: { id: string; key: string };

const jobs = async () =>
  (await t.db.query<{ nc_user_id: string }>('SELECT nc_user_id FROM exsync_jobs.sync_jobs ORDER BY nc_user_id')).map(
    (r) => r.nc_user_id,
  );
const send = (changes: unknown, key = acme.key, url = '/v1/nextcloud-changes') =>
  t.app.inject({ method: 'POST', url, headers: bearer(key), payload: { changes } });

beforeAll(async () => {
  t = await startTestApp();
  acme = await createTenant(t, 'Acme');
  other = await createTenant(t, 'Other');
  for (const [tenant, ncUserId] of [
    [acme, 'alice'],
    [acme, 'bob'],
    [acme, 'carol'],
    [other, 'dave'],
  ] as const) {
    const r = await t.app.inject({
      method: 'PUT',
      url: `/v1/users/${ncUserId}`,
      headers: bearer(tenant.key),
      payload: { loginName: ncUserId, appPassword: 'pw', mailbox: `${ncUserId}@example.org` },
    });
    expect(r.statusCode).toBe(201);
  }
  // carol is paused: a change of hers waits for a person.
  expect(
    (await t.app.inject({ method: 'POST', url: '/v1/users/carol/pause', headers: bearer(acme.key) })).statusCode,
  ).toBe(200);
}, 60_000);
afterAll(async () => t?.close());
beforeEach(async () => {
  await t.db.query('DELETE FROM exsync_jobs.sync_jobs');
});

describe('POST /v1/nextcloud-changes', () => {
  it("leaves the retry time of a user waiting out Exchange's throttling alone", async () => {
    const [alice] = await t.db.query<{ id: string }>(
      "SELECT id FROM users WHERE tenant_id = $1::uuid AND nc_user_id = 'alice'",
      [acme.id],
    );
    const retryAt = new Date(Date.now() + 3_600_000);
    await t.db.query(
      'INSERT INTO exsync_jobs.sync_jobs (tenant_id, user_id, nc_user_id, run_after) VALUES ($1::uuid, $2::uuid, $3, $4)',
      [acme.id, alice?.id, 'alice', retryAt],
    );
    expect((await send([{ ncUserId: 'alice', kind: 'events' }])).json()).toEqual({ queued: 1, ignored: 0 });
    const rows = await t.db.query<{ run_after: Date }>('SELECT run_after FROM exsync_jobs.sync_jobs');
    expect(rows.map((r) => new Date(r.run_after).getTime())).toEqual([retryAt.getTime()]);
  });

  it('queues one sync per named user, however many entries name them', async () => {
    const res = await send([
      { ncUserId: 'alice', kind: 'events' },
      { ncUserId: 'alice', kind: 'contacts' },
      { ncUserId: 'alice', kind: 'events' },
      { ncUserId: 'bob', kind: 'tasks' },
    ]);
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toEqual({ queued: 2, ignored: 0 });
    expect(await jobs()).toEqual(['alice', 'bob']);
    // A second burst while the jobs wait: still one job per user.
    await send([{ ncUserId: 'alice', kind: 'events' }]);
    expect(await jobs()).toEqual(['alice', 'bob']);
  });

  it("ignores unknown users, paused users, another tenant's users and kinds the tenant does not sync", async () => {
    const off = await t.app.inject({
      method: 'PUT',
      url: '/v1/settings',
      headers: bearer(acme.key),
      payload: {
        itemKinds: {
          events: { enabled: true, direction: 'two-way' },
          contacts: { enabled: false, direction: 'two-way' },
          tasks: { enabled: true, direction: 'two-way' },
        },
      },
    });
    expect(off.statusCode).toBe(200);
    const res = await send([
      { ncUserId: 'nobody', kind: 'events' },
      { ncUserId: 'carol', kind: 'events' },
      { ncUserId: 'dave', kind: 'events' },
      { ncUserId: 'bob', kind: 'contacts' },
    ]);
    expect(res.json()).toEqual({ queued: 0, ignored: 4 });
    expect(await jobs()).toEqual([]);
    // dave's own tenant key reaches him.
    expect((await send([{ ncUserId: 'dave', kind: 'events' }], other.key)).json()).toEqual({ queued: 1, ignored: 0 });
    expect(await jobs()).toEqual(['dave']);
    await t.app.inject({ method: 'PUT', url: '/v1/settings', headers: bearer(acme.key), payload: {} });
  });

  it('works under /v1/tenants/{id} with the admin key, and not for another tenant key', async () => {
    const admin = await send(
      [{ ncUserId: 'alice', kind: 'events' }],
      t.adminKey,
      `/v1/tenants/${acme.id}/nextcloud-changes`,
    );
    expect(admin.statusCode).toBe(202);
    const foreign = await send(
      [{ ncUserId: 'alice', kind: 'events' }],
      other.key,
      `/v1/tenants/${acme.id}/nextcloud-changes`,
    );
    expect(foreign.statusCode).toBe(403);
    const none = await t.app.inject({ method: 'POST', url: '/v1/nextcloud-changes', payload: { changes: [] } });
    expect(none.statusCode).toBe(401);
  });

  it('refuses more than 1,000 entries, unknown kinds and extra fields, queuing nothing', async () => {
    const many = Array.from({ length: 1001 }, () => ({ ncUserId: 'alice', kind: 'events' }));
    expect((await send(many)).statusCode).toBe(400);
    expect((await send([{ ncUserId: 'alice', kind: 'mail' }])).statusCode).toBe(400);
    expect((await send([{ ncUserId: 'alice', kind: 'events', data: 'BEGIN:VCALENDAR' }])).statusCode).toBe(400);
    const huge = await t.app.inject({
      method: 'POST',
      url: '/v1/nextcloud-changes',
      headers: { ...bearer(acme.key), 'content-type': 'application/json' },
      payload: JSON.stringify({ changes: [], pad: 'x'.repeat(200 * 1024) }),
    });
    expect(huge.statusCode).toBe(413);
    expect(await jobs()).toEqual([]);
  });

  it('shows per side on GET /users/{id}: when the last change arrived, and the app active after its heartbeat', async () => {
    const before = (await t.app.inject({ method: 'GET', url: '/v1/users/bob', headers: bearer(other.key) })).statusCode;
    expect(before).toBe(404);
    const fresh = await t.app.inject({ method: 'GET', url: '/v1/users/carol', headers: bearer(acme.key) });
    // carol was ignored above (paused), but the app did report her change.
    expect(fresh.json().push.nextcloud.lastNotificationAt).not.toBeNull();

    await t.db.query('UPDATE users SET nc_notified_at = NULL');
    await t.db.query('UPDATE tenants SET nc_push_seen_at = NULL');
    const quiet = await t.app.inject({ method: 'GET', url: '/v1/users/bob', headers: bearer(acme.key) });
    expect(quiet.json().push).toEqual({
      exchange: { mode: 'polling', active: false, lastNotificationAt: null, error: null },
      nextcloud: { active: false, lastNotificationAt: null },
    });

    // The heartbeat (an empty list) makes the app active for every user of the tenant, notifying nobody.
    expect((await send([])).json()).toEqual({ queued: 0, ignored: 0 });
    const heard = await t.app.inject({ method: 'GET', url: '/v1/users/bob', headers: bearer(acme.key) });
    expect(heard.json().push.nextcloud).toEqual({ active: true, lastNotificationAt: null });

    await send([{ ncUserId: 'bob', kind: 'events' }]);
    const changed = await t.app.inject({ method: 'GET', url: '/v1/users/bob', headers: bearer(acme.key) });
    const at = Date.parse(changed.json().push.nextcloud.lastNotificationAt);
    expect(Date.now() - at).toBeLessThan(60_000);
    // Not another tenant's users.
    const dave = await t.app.inject({ method: 'GET', url: '/v1/users/dave', headers: bearer(other.key) });
    expect(dave.json().push.nextcloud.lastNotificationAt).toBeNull();

    // An app not heard of for over an hour is not active.
    await t.db.query("UPDATE tenants SET nc_push_seen_at = now() - interval '61 minutes'");
    const stale = await t.app.inject({ method: 'GET', url: '/v1/users/bob', headers: bearer(acme.key) });
    expect(stale.json().push.nextcloud.active).toBe(false);
  });
});
