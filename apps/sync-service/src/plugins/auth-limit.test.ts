import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../app';
import { createLogger } from '../logger';
import {
  bearer,
  createTenant,
  createThrowawayPostgres,
  startTestApp,
  type TestApp,
  WITH_POSTGRES,
} from '../testing/harness';

/**
 * The failed-authentication limit is counted in the database, so replicas behind one load balancer enforce one
 * limit: a guesser cannot spread attempts over them. On the embedded database the same table is used.
 */
const LIMIT = { maxFailures: 3, failureWindowMs: 60_000 };

function call(app: App, key: string, remoteAddress: string, headers: Record<string, string> = {}) {
  return app.inject({ method: 'GET', url: '/v1/settings', headers: { ...bearer(key), ...headers }, remoteAddress });
}

async function expectSharedLimit(a: App, b: App, goodKey: string, address: string): Promise<void> {
  // 3 failures allowed in all, whichever replica sees them.
  expect((await call(a, 'exs_wrong_1', address)).statusCode).toBe(401);
  expect((await call(b, 'exs_wrong_2', address)).statusCode).toBe(401);
  expect((await call(a, 'exs_wrong_3', address)).statusCode).toBe(401);
  const limited = await call(b, 'exs_wrong_4', address);
  expect(limited.statusCode).toBe(429);
  expect(limited.json().code).toBe('EXSYNC_TOO_MANY_AUTH_FAILURES');
  expect(Number(limited.headers['retry-after'])).toBeGreaterThan(50);
  // Both replicas now refuse the address, even with a right key.
  expect((await call(a, goodKey, address)).statusCode).toBe(429);
  expect((await call(b, goodKey, address)).statusCode).toBe(429);
  // Other addresses are not affected.
  expect((await call(a, goodKey, '198.51.100.1')).statusCode).toBe(200);
}

describe('failed-authentication limit on the embedded database', () => {
  let t: TestApp;
  let second: App;
  beforeAll(async () => {
    t = await startTestApp({ auth: LIMIT });
    second = await buildApp({ store: t.store, vault: t.vault, logger: createLogger('silent'), auth: LIMIT });
  });
  afterAll(async () => {
    await second?.close();
    await t?.close();
  });

  it('is shared by two app instances on one database', async () => {
    const tenant = await createTenant(t, 'Embedded');
    await expectSharedLimit(t.app, second, tenant.key, '192.0.2.10');
  });
});

describe.skipIf(!WITH_POSTGRES)('failed-authentication limit on PostgreSQL', () => {
  let pg: { url: string; drop(): Promise<void> };
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    pg = await createThrowawayPostgres();
    a = await startTestApp({ databaseUrl: pg.url, auth: LIMIT });
    b = await startTestApp({ databaseUrl: pg.url, auth: LIMIT });
  }, 120_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await pg?.drop();
  });

  it('is shared by two replicas (two app instances, two connection pools) on one database', async () => {
    const tenant = await createTenant(a, 'Replicas');
    await expectSharedLimit(a.app, b.app, tenant.key, '192.0.2.20');
  });
});

describe('behind a reverse proxy', () => {
  let t: TestApp;
  let proxied: App;
  beforeAll(async () => {
    t = await startTestApp({ auth: LIMIT });
    proxied = await buildApp({
      store: t.store,
      vault: t.vault,
      logger: createLogger('silent'),
      auth: LIMIT,
      trustProxy: ['127.0.0.1'],
    });
  });
  afterAll(async () => {
    await proxied?.close();
    await t?.close();
  });

  it('counts the address the proxy saw, not one the client wrote into X-Forwarded-For', async () => {
    const tenant = await createTenant(t, 'Proxied');
    // The proxy (127.0.0.1) appends the address it saw; the client controls only what comes before it.
    const spoofed = (n: number) => ({ 'x-forwarded-for': `203.0.113.${n}, 192.0.2.30` });
    for (let n = 1; n <= 3; n++)
      expect((await call(proxied, 'exs_wrong', '127.0.0.1', spoofed(n))).statusCode).toBe(401);
    expect((await call(proxied, 'exs_wrong', '127.0.0.1', spoofed(4))).statusCode).toBe(429);
    expect((await call(proxied, tenant.key, '127.0.0.1', spoofed(5))).statusCode).toBe(429);
    // Another client behind the same proxy is not affected.
    expect((await call(proxied, tenant.key, '127.0.0.1', { 'x-forwarded-for': '192.0.2.31' })).statusCode).toBe(200);
  });
});
