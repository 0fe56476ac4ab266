import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTenant, startTestApp, type TestApp } from '../../testing/harness';

let t: TestApp;
let tenant: { id: string; key: string };

beforeAll(async () => {
  t = await startTestApp();
  tenant = await createTenant(t, 'Acme');
  for (const ncUserId of ['alice', 'bob']) {
    const r = await t.app.inject({
      method: 'PUT',
      url: `/v1/users/${ncUserId}`,
      headers: bearer(tenant.key),
      payload: { loginName: ncUserId, appPassword: 'pw', mailbox: `${ncUserId}@acme.example` },
    });
    expect(r.statusCode).toBe(201);
  }
}, 60_000);
afterAll(async () => {
  await t?.close();
});

const post = (path: string, key = tenant.key) =>
  t.app.inject({ method: 'POST', url: path, headers: bearer(key), payload: {} });

describe('per-user sync actions', () => {
  it('sync queues one job however often it is asked; resync turns it into a resync', async () => {
    const first = await post('/v1/users/alice/sync');
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ ncUserId: 'alice', state: 'active', job: { state: 'queued', resync: false } });
    await post('/v1/users/alice/sync');
    const resync = await post('/v1/users/alice/resync');
    expect(resync.json().job).toMatchObject({ state: 'queued', resync: true });
    const rows = await t.db.query("SELECT 1 FROM exsync_jobs.sync_jobs WHERE nc_user_id = 'alice'");
    expect(rows).toHaveLength(1);
  });

  it('sync on a user whose job was left running by a stopped worker runs it again (not 200 with a stuck active job)', async () => {
    await t.db.query("DELETE FROM exsync_jobs.sync_jobs WHERE nc_user_id = 'bob'");
    await post('/v1/users/bob/sync');
    // The worker took the job, then its process was killed: the lease is no longer renewed.
    await t.db.query(
      `UPDATE exsync_jobs.sync_jobs SET state = 'active', locked_until = now() - interval '1 second'
       WHERE nc_user_id = 'bob'`,
    );
    const again = await post('/v1/users/bob/sync');
    expect(again.statusCode).toBe(200);
    expect(again.json().job).toMatchObject({ state: 'queued' });
    await t.db.query("DELETE FROM exsync_jobs.sync_jobs WHERE nc_user_id = 'bob'");
  });

  it('pause drops the waiting job and refuses sync (409); resume makes the user active and queues a sync', async () => {
    const paused = await post('/v1/users/alice/pause');
    expect(paused.json()).toMatchObject({ state: 'paused', job: null });
    expect((await post('/v1/users/alice/pause')).json().state).toBe('paused');
    const refused = await post('/v1/users/alice/sync');
    expect(refused.statusCode).toBe(409);
    expect(refused.json().code).toBe('EXSYNC_USER_NOT_SYNCABLE');
    const resumed = await post('/v1/users/alice/resume');
    expect(resumed.json()).toMatchObject({ state: 'active', stateReason: null, job: { state: 'queued' } });
  });

  it('resume leaves a user waiting for new credentials as they are', async () => {
    await t.db.query("UPDATE users SET state = 'auth_required' WHERE nc_user_id = 'bob'");
    const r = await post('/v1/users/bob/resume');
    expect(r.json()).toMatchObject({ state: 'auth_required', job: null });
  });

  it('answers 404 for a user that is not enrolled, and works under /v1/tenants/{id} with the admin key', async () => {
    const missing = await post('/v1/users/nobody/sync');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('EXSYNC_USER_NOT_FOUND');
    const admin = await post(`/v1/tenants/${tenant.id}/users/alice/sync`, t.adminKey);
    expect(admin.statusCode).toBe(200);
  });
});

describe('run history', () => {
  it('pages newest first with a cursor and refuses a cursor it did not issue', async () => {
    const [user] = await t.db.query<{ id: string }>("SELECT id FROM users WHERE nc_user_id = 'bob'");
    for (const minutes of [30, 20, 10]) {
      await t.db.query(
        `INSERT INTO sync_runs (user_id, started_at, finished_at, outcome, counts, error)
         VALUES ($1::uuid, now() - $2 * interval '1 minute', now(), 'failed', '{}', $3)`,
        [user?.id, minutes, `run ${minutes}`],
      );
    }
    const get = (query: string) =>
      t.app.inject({ method: 'GET', url: `/v1/users/bob/runs${query}`, headers: bearer(tenant.key) });
    const first = await get('?limit=2');
    expect(first.statusCode).toBe(200);
    expect(first.json().items.map((r: { error: string }) => r.error)).toEqual(['run 10', 'run 20']);
    expect(first.json().items[0]).toMatchObject({ kind: null, outcome: 'failed', counts: {}, dryRun: false });
    const second = await get(`?limit=2&cursor=${first.json().nextCursor}`);
    expect(second.json()).toMatchObject({ items: [{ error: 'run 30' }], nextCursor: null });
    const bad = await get('?cursor=bm90LWEtY3Vyc29y');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('EXSYNC_INVALID_CURSOR');
  });
});
