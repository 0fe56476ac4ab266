import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTenant, startTestApp, type TestApp } from '../testing/harness';

let t: TestApp;
let tenant: { id: string; key: string };

beforeAll(async () => {
  t = await startTestApp({ auth: { maxFailures: 3, failureWindowMs: 60_000 } });
  tenant = await createTenant(t, 'Gamma');
});
afterAll(async () => t?.close());

describe('tenants (admin key)', () => {
  it('creates, reads, renames, lists and deletes a tenant', async () => {
    const admin = bearer(t.adminKey);
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/tenants',
      headers: admin,
      payload: { name: 'Temp', nextcloudUrl: 'https://cloud.temp.example' },
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().id;
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/v1/tenants/${id}`,
      headers: admin,
      payload: { name: 'Temp 2' },
    });
    expect(patched.json()).toMatchObject({ id, name: 'Temp 2', nextcloudUrl: 'https://cloud.temp.example' });
    const list = await t.app.inject({ method: 'GET', url: '/v1/tenants', headers: admin });
    expect(list.json().items.map((x: { id: string }) => x.id)).toContain(id);
    expect((await t.app.inject({ method: 'DELETE', url: `/v1/tenants/${id}`, headers: admin })).statusCode).toBe(204);
    const gone = await t.app.inject({ method: 'GET', url: `/v1/tenants/${id}`, headers: admin });
    expect(gone.statusCode).toBe(404);
    expect(gone.json().code).toBe('EXSYNC_TENANT_NOT_FOUND');
  });

  it.each([
    [{ name: 'x', nextcloudUrl: 'ftp://cloud.example' }],
    [{ name: '', nextcloudUrl: 'https://cloud.example' }],
    [{ name: 'x' }],
    [{ name: 'x', nextcloudUrl: 'https://cloud.example', extra: 1 }],
  ])('refuses an invalid tenant %o', async (payload) => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/tenants', headers: bearer(t.adminKey), payload });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('EXSYNC_VALIDATION_FAILED');
  });

  it('refuses a malformed tenant id with 400, not a database error', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/tenants/not-a-uuid', headers: bearer(t.adminKey) });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('EXSYNC_VALIDATION_FAILED');
  });

  it('issues tenant keys shown once, lists only prefixes, and a revoked key stops working at once', async () => {
    const admin = bearer(t.adminKey);
    const issued = await t.app.inject({
      method: 'POST',
      url: `/v1/tenants/${tenant.id}/api-keys`,
      headers: admin,
      payload: { label: 'second' },
    });
    expect(issued.statusCode).toBe(201);
    const { id, key } = issued.json();
    const list = await t.app.inject({ method: 'GET', url: `/v1/tenants/${tenant.id}/api-keys`, headers: admin });
    expect(list.body).not.toContain(key);
    expect((await t.app.inject({ method: 'GET', url: '/v1/settings', headers: bearer(key) })).statusCode).toBe(200);
    const revoke = await t.app.inject({
      method: 'DELETE',
      url: `/v1/tenants/${tenant.id}/api-keys/${id}`,
      headers: admin,
    });
    expect(revoke.statusCode).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: '/v1/settings', headers: bearer(key) })).statusCode).toBe(401);
  });

  it('tells an admin key on a tenant-implied route to name the tenant', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/users', headers: bearer(t.adminKey) });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'EXSYNC_TENANT_REQUIRED' });
    expect(res.json().message).toContain('/v1/tenants/{tenantId}/users');
    const unknown = await t.app.inject({
      method: 'GET',
      url: '/v1/tenants/00000000-0000-4000-8000-000000000000/users',
      headers: bearer(t.adminKey),
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('EXSYNC_TENANT_NOT_FOUND');
  });
});

describe('sync settings', () => {
  it('starts from the documented defaults', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/settings', headers: bearer(tenant.key) });
    expect(res.json()).toEqual({
      window: { daysBack: 30, daysAhead: 180 },
      intervalMinutes: 15,
      itemKinds: {
        events: { enabled: true, direction: 'two-way' },
        contacts: { enabled: true, direction: 'two-way' },
        tasks: { enabled: true, direction: 'two-way' },
      },
      conflictPolicy: { kind: 'exchange-wins' },
      deletionPolicy: { kind: 'propagate', maxPercent: 20, maxCount: 50 },
    });
  });

  it('stores a valid change; fields left out return to defaults', async () => {
    const put = await t.app.inject({
      method: 'PUT',
      url: '/v1/settings',
      headers: bearer(tenant.key),
      payload: {
        window: { daysBack: 7, daysAhead: 90 },
        itemKinds: { tasks: { enabled: false, direction: 'exchange-to-nextcloud' } },
        conflictPolicy: { kind: 'keep-both' },
        deletionPolicy: { kind: 'propagate', maxPercent: 10 },
      },
    });
    expect(put.statusCode).toBe(200);
    const get = await t.app.inject({
      method: 'GET',
      url: `/v1/tenants/${tenant.id}/settings`,
      headers: bearer(t.adminKey),
    });
    expect(get.json()).toMatchObject({
      window: { daysBack: 7, daysAhead: 90 },
      intervalMinutes: 15,
      itemKinds: { tasks: { enabled: false, direction: 'exchange-to-nextcloud' }, events: { enabled: true } },
      conflictPolicy: { kind: 'keep-both' },
      deletionPolicy: { kind: 'propagate', maxPercent: 10, maxCount: 50 },
    });
  });

  it.each([
    [{ window: { daysBack: -1, daysAhead: 10 } }, 'EXSYNC_VALIDATION_FAILED'],
    [{ window: { daysBack: 3000, daysAhead: 3000 } }, 'EXSYNC_INVALID_SETTINGS'],
    [{ intervalMinutes: '15' }, 'EXSYNC_VALIDATION_FAILED'],
    [{ intervalMinutes: 0 }, 'EXSYNC_VALIDATION_FAILED'],
    [{ conflictPolicy: { kind: 'coin-toss' } }, 'EXSYNC_VALIDATION_FAILED'],
    [{ deletionPolicy: { kind: 'propagate', maxPercent: 150 } }, 'EXSYNC_VALIDATION_FAILED'],
    [{ itemKinds: { notes: { enabled: true, direction: 'two-way' } } }, 'EXSYNC_VALIDATION_FAILED'],
    [{ itemKinds: { events: { enabled: true, direction: 'sideways' } } }, 'EXSYNC_VALIDATION_FAILED'],
  ])('refuses %o as a whole (%s)', async (payload, code) => {
    const before = (await t.app.inject({ method: 'GET', url: '/v1/settings', headers: bearer(tenant.key) })).body;
    const res = await t.app.inject({ method: 'PUT', url: '/v1/settings', headers: bearer(tenant.key), payload });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe(code);
    expect((await t.app.inject({ method: 'GET', url: '/v1/settings', headers: bearer(tenant.key) })).body).toBe(before);
  });
});

describe('exchange connection', () => {
  const put = (payload: object) =>
    t.app.inject({ method: 'PUT', url: '/v1/exchange-connection', headers: bearer(tenant.key), payload });

  it('is 404 until configured', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/exchange-connection', headers: bearer(tenant.key) });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('EXSYNC_CONNECTION_NOT_FOUND');
  });

  it('stores an EWS connection and shows hasSecret instead of the password', async () => {
    const res = await put({
      kind: 'ews',
      url: 'https://mail.gamma.example/EWS/Exchange.asmx',
      authKind: 'basic',
      username: 'svc-exsync',
      password: 'gamma-ews-password',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      kind: 'ews',
      authKind: 'basic',
      username: 'svc-exsync',
      hasSecret: true,
      hasCertificate: false,
    });
    expect(res.body).not.toContain('gamma-ews-password');
  });

  it('keeps the stored secret when a PUT leaves it out, and drops it when the auth kind changes', async () => {
    const keep = await put({
      kind: 'ews',
      url: 'https://mail2.gamma.example/EWS/Exchange.asmx',
      authKind: 'basic',
      username: 'svc2',
    });
    expect(keep.statusCode).toBe(200);
    expect(keep.json()).toMatchObject({ hasSecret: true, username: 'svc2' });
    const switched = await put({
      kind: 'graph',
      authKind: 'client_secret',
      entraTenantId: 'contoso.onmicrosoft.com',
      clientId: 'abc',
    });
    expect(switched.statusCode).toBe(400);
    expect(switched.json().message).toContain('clientSecret is required');
  });

  it('stores a Graph connection with a certificate', async () => {
    const res = await put({
      kind: 'graph',
      authKind: 'certificate',
      entraTenantId: '11111111-2222-3333-4444-555555555555',
      clientId: '66666666-7777-8888-9999-000000000000',
      certificate: '-----BEGIN PRIVATE KEY-----\ngamma-private-key\n-----END PRIVATE KEY-----',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ kind: 'graph', hasSecret: false, hasCertificate: true, url: null });
    expect(res.body).not.toContain('gamma-private-key');
  });

  it.each([
    [
      {
        kind: 'ews',
        authKind: 'client_secret',
        url: 'https://x.example/EWS',
        entraTenantId: 't',
        clientId: 'c',
        clientSecret: 's',
      },
      /authKind must be one of basic, ntlm, oauth/,
    ],
    [{ kind: 'ews', authKind: 'ntlm', username: 'u', password: 'p' }, /body\.url is required/],
    [
      { kind: 'graph', authKind: 'client_secret', entraTenantId: 't', clientId: 'c', clientSecret: 's', password: 'p' },
      /password does not apply/,
    ],
    [{ kind: 'ews', authKind: 'basic', url: 'javascript:alert(1)', username: 'u', password: 'p' }, /body\.url/],
    [{ kind: 'imap', authKind: 'basic' }, /body\.kind/],
  ])('refuses %o', async (payload, message) => {
    const res = await put(payload);
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('EXSYNC_VALIDATION_FAILED');
    expect(res.json().message).toMatch(message);
  });

  it('forgets the connection and its secrets on DELETE', async () => {
    expect(
      (await t.app.inject({ method: 'DELETE', url: '/v1/exchange-connection', headers: bearer(tenant.key) }))
        .statusCode,
    ).toBe(204);
    expect(await t.db.query('SELECT 1 FROM exchange_connections WHERE tenant_id = $1::uuid', [tenant.id])).toHaveLength(
      0,
    );
  });
});

describe('failed authentication', () => {
  it('limits repeated failures from one address, without locking out other addresses', async () => {
    const from = (remoteAddress: string, key: string) =>
      t.app.inject({ method: 'GET', url: '/v1/settings', headers: bearer(key), remoteAddress });
    for (let i = 0; i < 3; i++) expect((await from('10.9.9.9', 'wrong')).statusCode).toBe(401);
    const limited = await from('10.9.9.9', 'wrong');
    expect(limited.statusCode).toBe(429);
    expect(limited.json().code).toBe('EXSYNC_TOO_MANY_AUTH_FAILURES');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Once limited, even a right key from that address waits: guessing cannot tell a hit from a miss.
    expect((await from('10.9.9.9', tenant.key)).statusCode).toBe(429);
    expect((await from('10.1.1.1', tenant.key)).statusCode).toBe(200);
  });

  it('never counts successful requests', async () => {
    for (let i = 0; i < 10; i++) {
      const res = await t.app.inject({
        method: 'GET',
        url: '/v1/settings',
        headers: bearer(tenant.key),
        remoteAddress: '10.2.2.2',
      });
      expect(res.statusCode).toBe(200);
    }
  });
});

describe('plumbing', () => {
  it('sets security headers, also on /docs', async () => {
    for (const url of ['/healthz', '/docs/']) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    }
  });

  it('serves Swagger UI at /docs and the OpenAPI document at /openapi.json', async () => {
    const ui = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toContain('swagger');
    const spec = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(spec.json()).toMatchObject({
      openapi: '3.1.0',
      components: { securitySchemes: { bearerAuth: { scheme: 'bearer' } } },
    });
  });

  it('answers /healthz and /readyz', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ok' });
  });

  it('says not ready while a migration is missing', async () => {
    const row = (await t.db.query<{ id: string }>('SELECT id FROM _prisma_migrations LIMIT 1'))[0];
    await t.db.query('UPDATE _prisma_migrations SET rolled_back_at = now() WHERE id = $1', [row?.id]);
    try {
      const res = await t.app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json().code).toBe('EXSYNC_NOT_READY');
      expect(res.json().message).toContain('exsync migrate');
    } finally {
      await t.db.query('UPDATE _prisma_migrations SET rolled_back_at = NULL WHERE id = $1', [row?.id]);
    }
  });

  it('answers an unknown route with EXSYNC_ROUTE_NOT_FOUND', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v2/nothing' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ code: 'EXSYNC_ROUTE_NOT_FOUND', message: expect.stringContaining('/docs') });
  });
});
