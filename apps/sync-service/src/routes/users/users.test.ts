import { createRepositories } from '@exsync/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTenant, startTestApp, type TestApp } from '../../testing/harness';

let t: TestApp;
let tenant: { id: string; key: string };

beforeAll(async () => {
  t = await startTestApp();
  tenant = await createTenant(t, 'Acme');
});
afterAll(async () => t?.close());

const alice = { loginName: 'alice', appPassword: 'alice-app-password-0001', email: 'alice@acme.example' };

describe('PUT /v1/users/{ncUserId}', () => {
  it('enrolls a user (201), then updates the same user idempotently (200)', async () => {
    const first = await t.app.inject({
      method: 'PUT',
      url: '/v1/users/alice',
      headers: bearer(tenant.key),
      payload: alice,
    });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({
      ncUserId: 'alice',
      loginName: 'alice',
      hasAppPassword: true,
      state: 'active',
    });

    const again = await t.app.inject({
      method: 'PUT',
      url: '/v1/users/alice',
      headers: bearer(tenant.key),
      payload: { ...alice, displayName: 'Alice A.' },
    });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ displayName: 'Alice A.' });
    const list = await t.app.inject({ method: 'GET', url: '/v1/users', headers: bearer(tenant.key) });
    expect(list.json().items.filter((u: { ncUserId: string }) => u.ncUserId === 'alice')).toHaveLength(1);
  });

  it('reactivates a user waiting for new credentials, but keeps a paused user paused', async () => {
    await t.app.inject({ method: 'PUT', url: '/v1/users/bob', headers: bearer(tenant.key), payload: alice });
    await t.app.inject({ method: 'PUT', url: '/v1/users/carol', headers: bearer(tenant.key), payload: alice });
    await t.db.query(`UPDATE users SET state = 'auth_required', state_reason = 'x' WHERE nc_user_id = 'bob'`);
    await t.db.query(`UPDATE users SET state = 'paused' WHERE nc_user_id = 'carol'`);
    for (const id of ['bob', 'carol']) {
      await t.app.inject({ method: 'PUT', url: `/v1/users/${id}`, headers: bearer(tenant.key), payload: alice });
    }
    const get = async (id: string) =>
      (await t.app.inject({ method: 'GET', url: `/v1/users/${id}`, headers: bearer(tenant.key) })).json();
    expect(await get('bob')).toMatchObject({ state: 'active', stateReason: null });
    expect(await get('carol')).toMatchObject({ state: 'paused' });
  });

  it.each([
    ['a wrong type', { ...alice, loginName: 42 }, 'EXSYNC_VALIDATION_FAILED', /body\.loginName must be string/],
    ['an unknown field', { ...alice, isAdmin: true }, 'EXSYNC_VALIDATION_FAILED', /unknown field "isAdmin"/],
    ['a missing field', { loginName: 'x' }, 'EXSYNC_VALIDATION_FAILED', /missing the field "appPassword"/],
    ['a bad e-mail', { ...alice, email: 'not-an-address' }, 'EXSYNC_VALIDATION_FAILED', /body\.email/],
    ['an empty password', { ...alice, appPassword: '' }, 'EXSYNC_VALIDATION_FAILED', /appPassword/],
  ])('refuses %s with a stable code and writes nothing', async (_name, payload, code, message) => {
    const res = await t.app.inject({ method: 'PUT', url: '/v1/users/dave', headers: bearer(tenant.key), payload });
    expect(res.statusCode).toBe(400);
    expect(Object.keys(res.json()).sort()).toEqual(['code', 'message']);
    expect(res.json().code).toBe(code);
    expect(res.json().message).toMatch(message);
    const get = await t.app.inject({ method: 'GET', url: '/v1/users/dave', headers: bearer(tenant.key) });
    expect(get.statusCode).toBe(404);
    expect(get.json().code).toBe('EXSYNC_USER_NOT_FOUND');
  });

  it('refuses a user id Nextcloud would not allow', async () => {
    const res = await t.app.inject({
      method: 'PUT',
      url: '/v1/users/a%2Fb',
      headers: bearer(tenant.key),
      payload: alice,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('EXSYNC_VALIDATION_FAILED');
  });

  it('refuses malformed JSON and non-JSON bodies with their own codes', async () => {
    const bad = await t.app.inject({
      method: 'PUT',
      url: '/v1/users/dave',
      headers: { ...bearer(tenant.key), 'content-type': 'application/json' },
      payload: '{"loginName":',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('EXSYNC_INVALID_JSON');
    const text = await t.app.inject({
      method: 'PUT',
      url: '/v1/users/dave',
      headers: { ...bearer(tenant.key), 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(text.statusCode).toBe(415);
    expect(text.json().code).toBe('EXSYNC_UNSUPPORTED_MEDIA_TYPE');
  });

  it('refuses an oversized body before reading it (413)', async () => {
    const res = await t.app.inject({
      method: 'PUT',
      url: '/v1/users/dave',
      headers: bearer(tenant.key),
      payload: { ...alice, displayName: 'x'.repeat(3 * 1024 * 1024) },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('EXSYNC_BODY_TOO_LARGE');
  });
});

describe('POST /v1/users/bulk', () => {
  const many = (n: number, from = 0) =>
    Array.from({ length: n }, (_, i) => ({
      ncUserId: `bulk${String(i + from).padStart(4, '0')}`,
      loginName: `bulk${i + from}`,
      appPassword: `pw-${i + from}-xxxxxxxxxxxxxxxxxxxxxxxx`,
      email: `bulk${i + from}@acme.example`,
    }));

  it('enrolls 1,000 users in one request and reports created / updated', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/users/bulk',
      headers: bearer(tenant.key),
      payload: { users: many(1000) },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ created: 1000, updated: 0 });
    const again = await t.app.inject({
      method: 'POST',
      url: '/v1/users/bulk',
      headers: bearer(tenant.key),
      payload: { users: many(2, 999) },
    });
    expect(again.json()).toEqual({ created: 1, updated: 1 });
  });

  it('refuses a list over 1,000 with EXSYNC_BULK_LIMIT_EXCEEDED', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/users/bulk',
      headers: bearer(tenant.key),
      payload: { users: many(1001, 5000) },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('EXSYNC_BULK_LIMIT_EXCEEDED');
  });

  it('is all or nothing: one bad entry and no user of the request is written', async () => {
    const users = many(10, 7000);
    (users[7] as Record<string, unknown>).loginName = 7;
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/users/bulk',
      headers: bearer(tenant.key),
      payload: { users },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain('body.users[7].loginName');
    const rows = await t.db.query(`SELECT 1 FROM users WHERE nc_user_id LIKE 'bulk7%'`);
    expect(rows).toHaveLength(0);
  });

  it('refuses a NUL character (PostgreSQL cannot store it) before the database, writing nothing', async () => {
    const users = many(5, 8000);
    (users[3] as Record<string, unknown>).displayName = 'bad\u0000name';
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/users/bulk',
      headers: bearer(tenant.key),
      payload: { users },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('EXSYNC_VALIDATION_FAILED');
    const rows = await t.db.query(`SELECT 1 FROM users WHERE nc_user_id LIKE 'bulk8%'`);
    expect(rows).toHaveLength(0);
  });

  it('refuses the same user twice in one request', async () => {
    const users = [...many(2, 9000), ...many(1, 9000)];
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/users/bulk',
      headers: bearer(tenant.key),
      payload: { users },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('EXSYNC_DUPLICATE_USER_IN_BULK');
  });
});

describe('GET /v1/users', () => {
  it('pages through every user exactly once with the cursor', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/v1/users?limit=300${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await t.app.inject({ method: 'GET', url, headers: bearer(tenant.key) });
      expect(res.statusCode).toBe(200);
      const body = res.json() as { items: { ncUserId: string }[]; nextCursor: string | null };
      expect(body.items.length).toBeLessThanOrEqual(300);
      seen.push(...body.items.map((u) => u.ncUserId));
      cursor = body.nextCursor;
    } while (cursor);
    const total = (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM users'))[0]?.n;
    expect(seen).toHaveLength(total ?? -1);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('filters by state', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/users?state=paused', headers: bearer(tenant.key) });
    expect(res.json().items.map((u: { ncUserId: string }) => u.ncUserId)).toEqual(['carol']);
  });

  it('searches by part of a name, e-mail or mailbox (q), narrowed by state, and sorts by display name either way', async () => {
    const other = await createTenant(t, 'Globex');
    const put = (tenantKey: string, id: string, body: object) =>
      t.app.inject({
        method: 'PUT',
        url: `/v1/users/${id}`,
        headers: bearer(tenantKey),
        payload: { loginName: id, appPassword: 'pw-0001', ...body },
      });
    await put(other.key, 'zoe', { displayName: 'Zoë Searchable', email: 'zoe@globex.example' });
    await put(other.key, 'adam', { displayName: 'Adam Searchable', mailbox: 'adam@corp.example' });
    await put(other.key, 'mo', { displayName: 'Mo', email: 'mo@globex.example' });
    // Another tenant's user with a matching name stays invisible.
    await put(tenant.key, 'sneaky', { displayName: 'Searchable Too' });
    const list = async (query: string) => {
      const res = await t.app.inject({
        method: 'GET',
        url: `/v1/tenants/${other.id}/users?${query}`,
        headers: bearer(other.key),
      });
      expect(res.statusCode).toBe(200);
      return (res.json() as { items: { ncUserId: string }[] }).items.map((u) => u.ncUserId);
    };
    expect(await list('q=searchABLE')).toEqual(['adam', 'zoe']);
    expect(await list('q=corp.example')).toEqual(['adam']);
    expect(await list('q=searchable&sort=displayName&order=desc')).toEqual(['zoe', 'adam']);
    expect(await list('sort=displayName')).toEqual(['adam', 'mo', 'zoe']);
    expect(await list('q=searchable&state=paused')).toEqual([]);
    const page = await t.app.inject({
      method: 'GET',
      url: '/v1/users?limit=1&sort=state',
      headers: bearer(tenant.key),
    });
    const cursor = encodeURIComponent(page.json().nextCursor);
    const mixed = await t.app.inject({
      method: 'GET',
      url: `/v1/users?cursor=${cursor}&sort=lastSyncAt`,
      headers: bearer(tenant.key),
    });
    expect(mixed.json().code).toBe('EXSYNC_INVALID_CURSOR');
  });

  it('counts users per state in one request (GET /v1/user-counts), every state present, tenants apart', async () => {
    const other = await createTenant(t, 'Initech');
    for (const id of ['a1', 'a2', 'a3']) {
      await t.app.inject({
        method: 'PUT',
        url: `/v1/users/${id}`,
        headers: bearer(other.key),
        payload: { loginName: id, appPassword: 'pw-0001' },
      });
    }
    await t.app.inject({ method: 'POST', url: '/v1/users/a2/pause', headers: bearer(other.key), payload: {} });
    const res = await t.app.inject({
      method: 'GET',
      url: `/v1/tenants/${other.id}/user-counts`,
      headers: bearer(other.key),
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      counts: { active: 2, paused: 1, auth_required: 0, throttled: 0, error: 0, needs_review: 0 },
      total: 3,
    });
  });

  it.each([
    ['/v1/users?limit=0', 'EXSYNC_VALIDATION_FAILED'],
    ['/v1/users?limit=1001', 'EXSYNC_VALIDATION_FAILED'],
    ['/v1/users?state=sleeping', 'EXSYNC_VALIDATION_FAILED'],
    ['/v1/users?cursor=garbage', 'EXSYNC_INVALID_CURSOR'],
    ['/v1/users?page=2', 'EXSYNC_VALIDATION_FAILED'],
    ['/v1/users?sort=email', 'EXSYNC_VALIDATION_FAILED'],
    ['/v1/users?order=up', 'EXSYNC_VALIDATION_FAILED'],
    [`/v1/users?q=${'x'.repeat(101)}`, 'EXSYNC_VALIDATION_FAILED'],
  ])('refuses %s', async (url, code) => {
    const res = await t.app.inject({ method: 'GET', url, headers: bearer(tenant.key) });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe(code);
  });
});

describe('GET /v1/users/{ncUserId}', () => {
  const get = (id: string) => t.app.inject({ method: 'GET', url: `/v1/users/${id}`, headers: bearer(tenant.key) });

  it('says lastRun: null before the first sync, then summarises the newest run', async () => {
    const put = await t.app.inject({
      method: 'PUT',
      url: '/v1/users/lena',
      headers: bearer(tenant.key),
      payload: { loginName: 'lena', appPassword: 'lena-app-password-0001' },
    });
    expect(put.statusCode).toBe(201);
    expect((await get('lena')).json().lastRun).toBeNull();

    const [user] = await t.db.query<{ id: string }>("SELECT id FROM users WHERE nc_user_id = 'lena'");
    await t.db.query(
      `INSERT INTO sync_runs (user_id, started_at, finished_at, outcome, counts, error, requests, item_errors) VALUES
         ($1::uuid, '2026-01-01T10:00:00Z', '2026-01-01T10:00:05Z', 'success', '{"a_to_b":{"create":2}}', NULL, NULL,
          '[]'),
         ($1::uuid, '2026-01-01T11:00:00Z', '2026-01-01T11:00:03Z', 'failed',
          '{"b_to_a":{"update":1,"odd":"x"}}', 'Exchange answered 503', '{"exchange":2,"nextcloud":1,"odd":"x"}',
          '[{"item":"Lunch","ident":"u1","href":"/b/u1.ics","side":"a","reason":"refused","code":"rejected","odd":"x"},
            {"item":1,"reason":"not an item error"}]')`,
      [user?.id],
    );
    const res = await get('lena');
    expect(res.statusCode).toBe(200);
    const run = {
      outcome: 'failed',
      counts: { nextcloud_to_exchange: { update: 1 } },
      requests: { exchange: 2, nextcloud: 1 },
      durationMs: 3000,
      error: 'Exchange answered 503',
      // The stored side `a` is named; only an item error's own fields pass, a malformed one not at all.
      itemErrors: [{ item: 'Lunch', href: '/b/u1.ics', side: 'exchange', reason: 'refused', code: 'rejected' }],
    };
    // A run without a sync id (recorded before syncs had one) stands alone, its kind unknown (no pair).
    expect(res.json().lastRun).toEqual({
      syncId: null,
      startedAt: '2026-01-01T11:00:00.000Z',
      finishedAt: '2026-01-01T11:00:03.000Z',
      ...run,
      progress: null,
      kinds: [{ kind: null, ...run }],
    });
    expect(res.body).not.toContain('lena-app-password-0001');
  });

  it('shows a running run with finishedAt null', async () => {
    const [user] = await t.db.query<{ id: string }>("SELECT id FROM users WHERE nc_user_id = 'lena'");
    await t.db.query(
      `INSERT INTO sync_runs (user_id, started_at, outcome) VALUES ($1::uuid, '2026-01-01T12:00:00Z', 'running')`,
      [user?.id],
    );
    const run = { outcome: 'running', counts: {}, requests: null, durationMs: null, error: null, itemErrors: [] };
    expect((await get('lena')).json().lastRun).toEqual({
      syncId: null,
      startedAt: '2026-01-01T12:00:00.000Z',
      finishedAt: null,
      ...run,
      progress: null,
      kinds: [{ kind: null, ...run }],
    });
  });

  it('shows push.exchange: polling until a watcher reports, then its mode, activity, last notification and error', async () => {
    await t.app.inject({
      method: 'PUT',
      url: '/v1/users/pia',
      headers: bearer(tenant.key),
      payload: { loginName: 'pia', appPassword: 'pia-app-password-0001' },
    });
    expect((await get('pia')).json().push).toEqual({
      exchange: { mode: 'polling', active: false, lastNotificationAt: null, error: null },
      nextcloud: { active: false, lastNotificationAt: null },
    });
    const [user] = await t.db.query<{ id: string }>("SELECT id FROM users WHERE nc_user_id = 'pia'");
    const repos = createRepositories(t.db);
    await repos.pushStatus.set(user!.id, 'exchange', { mode: 'ews-streaming', active: true, error: null });
    await repos.pushStatus.notified(user!.id, 'exchange', new Date('2026-01-02T03:04:05Z'));
    expect((await get('pia')).json().push.exchange).toEqual({
      mode: 'ews-streaming',
      active: true,
      lastNotificationAt: '2026-01-02T03:04:05.000Z',
      error: null,
    });
    await repos.pushStatus.set(user!.id, 'exchange', { mode: 'polling', active: false, error: 'refused' });
    // The last notification stays known when the mode changes.
    expect((await get('pia')).json().push.exchange).toEqual({
      mode: 'polling',
      active: false,
      lastNotificationAt: '2026-01-02T03:04:05.000Z',
      error: 'refused',
    });
  });

  it('keeps the list and the PUT answer as they were (no lastRun there)', async () => {
    const list = await t.app.inject({ method: 'GET', url: '/v1/users', headers: bearer(tenant.key) });
    expect(list.json().items[0]).not.toHaveProperty('lastRun');
  });

  it('documents lastRun in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(JSON.stringify(doc.paths['/v1/users/{ncUserId}'].get.responses['200'])).toContain('lastRun');
  });
});

describe('DELETE /v1/users/{ncUserId}', () => {
  it('forgets the credentials and the sync state, and says 404 afterwards', async () => {
    const user = (await t.db.query<{ id: string }>(`SELECT id FROM users WHERE nc_user_id = 'alice'`))[0];
    const pair = await t.db.query<{ id: string }>(
      `INSERT INTO collection_pairs (user_id, kind, a_collection_id, b_collection_id, a_sync_token, updated_at)
       VALUES ($1::uuid, 'event', 'calendar', 'personal', 'tok', now()) RETURNING id`,
      [user?.id],
    );
    await t.db.query(`INSERT INTO item_links (pair_id, ident_key, head) VALUES ($1::uuid, 1, '\\x00'::bytea)`, [
      pair[0]?.id,
    ]);
    const res = await t.app.inject({ method: 'DELETE', url: '/v1/users/alice', headers: bearer(tenant.key) });
    expect(res.statusCode).toBe(204);
    expect(await t.db.query(`SELECT 1 FROM users WHERE nc_user_id = 'alice'`)).toHaveLength(0);
    expect(await t.db.query('SELECT 1 FROM collection_pairs WHERE id = $1::uuid', [pair[0]?.id])).toHaveLength(0);
    expect(await t.db.query('SELECT 1 FROM item_links WHERE pair_id = $1::uuid', [pair[0]?.id])).toHaveLength(0);
    const again = await t.app.inject({ method: 'DELETE', url: '/v1/users/alice', headers: bearer(tenant.key) });
    expect(again.statusCode).toBe(404);
  });
});

describe('bodies on DELETE', () => {
  it('accepts an empty body sent with Content-Type: application/json', async () => {
    await t.app.inject({ method: 'PUT', url: '/v1/users/erin', headers: bearer(tenant.key), payload: alice });
    const res = await t.app.inject({
      method: 'DELETE',
      url: '/v1/users/erin',
      headers: { ...bearer(tenant.key), 'content-type': 'application/json' },
      payload: '',
    });
    expect(res.statusCode).toBe(204);
  });

  it('still refuses prototype poisoning in a JSON body', async () => {
    const res = await t.app.inject({
      method: 'PUT',
      url: '/v1/users/erin',
      headers: { ...bearer(tenant.key), 'content-type': 'application/json' },
      payload: '{"loginName":"x","appPassword":"y","__proto__":{"admin":true}}',
    });
    expect(res.statusCode).toBe(400);
  });
});
