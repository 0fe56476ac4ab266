import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureAdminKey } from './bootstrap';
import { loadConfig } from './config';
import { bearer, createThrowawayPostgres, startTestApp, type TestApp, WITH_POSTGRES } from './testing/harness';

const ENV_KEY = 'operator-chosen-admin-key-0123456789abcdef';

describe('admin keys on start-up', () => {
  let t: TestApp;
  let drop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    // PostgreSQL when available: this suite needs a database, not the embedded one in particular.
    let databaseUrl: string | undefined;
    if (WITH_POSTGRES) {
      const pg = await createThrowawayPostgres();
      databaseUrl = pg.url;
      drop = pg.drop;
    }
    t = await startTestApp({ envAdminKey: ENV_KEY, ...(databaseUrl ? { databaseUrl } : {}) });
    await t.db.query('DELETE FROM api_keys');
  });
  afterAll(async () => {
    await t?.close();
    await drop?.();
  });

  it('accepts EXSYNC_ADMIN_KEY as the admin key and generates none', async () => {
    const printed: string[] = [];
    const config = loadConfig({ EXSYNC_ADMIN_KEY: ENV_KEY });
    expect(await ensureAdminKey(t.store, config, (s) => printed.push(s))).toBeUndefined();
    expect(printed).toEqual([]);
    const res = await t.app.inject({ method: 'GET', url: '/v1/tenants', headers: bearer(ENV_KEY) });
    expect(res.statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/v1/tenants', headers: bearer(`${ENV_KEY}x`) })).statusCode).toBe(
      401,
    );
  });

  it('generates and prints an admin key once when none is configured, and never again', async () => {
    const printed: string[] = [];
    const config = loadConfig({});
    const key = await ensureAdminKey(t.store, config, (s) => printed.push(s));
    expect(key).toMatch(/^exs_/);
    expect(printed.join('\n')).toContain(key);
    expect((await t.app.inject({ method: 'GET', url: '/v1/tenants', headers: bearer(key!) })).statusCode).toBe(200);
    expect(await ensureAdminKey(t.store, config, (s) => printed.push(s))).toBeUndefined();
    expect(printed).toHaveLength(1);
  });
});
