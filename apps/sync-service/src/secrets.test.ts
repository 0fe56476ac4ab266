import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  createTenant,
  createThrowawayPostgres,
  startTestApp,
  type TestApp,
  WITH_POSTGRES,
} from './testing/harness';
import { KeyRing } from './vault/key-ring';
import { rotateSecrets } from './vault/rotate';
import { Vault } from './vault/vault';

/**
 * The three promises about secrets, proved on both databases: never returned by the API, never written to the
 * log, never stored in plaintext. And key rotation re-encrypts every stored secret.
 */

const TABLES = ['tenants', 'api_keys', 'exchange_connections', 'users', 'collection_pairs', 'item_links', 'sync_runs'];

const backends: [string, boolean][] = [['embedded PGlite', false]];
if (WITH_POSTGRES) backends.push(['PostgreSQL', true]);

describe.each(backends)('secrets on %s', (_name, usePostgres) => {
  let t: TestApp;
  let dropDb: (() => Promise<void>) | undefined;
  const plaintexts: string[] = [];
  const secret = (label: string) => {
    const s = `${label}-${randomBytes(9).toString('hex')}`;
    plaintexts.push(s);
    return s;
  };
  let tenants: { id: string; key: string }[];
  /** The key the stored secrets are sealed under right now. */
  let latestKey: Buffer;

  beforeAll(async () => {
    let databaseUrl: string | undefined;
    if (usePostgres) {
      const pg = await createThrowawayPostgres();
      databaseUrl = pg.url;
      dropDb = pg.drop;
    }
    t = await startTestApp(databaseUrl ? { databaseUrl } : {});
    latestKey = t.vault.ring.current.key;
    plaintexts.push(t.adminKey);
    tenants = [await createTenant(t, 'Ews'), await createTenant(t, 'Graph')];
    plaintexts.push(...tenants.map((x) => x.key));
    const [ews, graph] = tenants as [{ id: string; key: string }, { id: string; key: string }];

    const calls = [
      t.app.inject({
        method: 'PUT',
        url: '/v1/users/u1',
        headers: bearer(ews.key),
        payload: { loginName: 'u1', appPassword: secret('single') },
      }),
      t.app.inject({
        method: 'POST',
        url: '/v1/users/bulk',
        headers: bearer(ews.key),
        payload: {
          users: [2, 3, 4].map((i) => ({ ncUserId: `u${i}`, loginName: `u${i}`, appPassword: secret('bulk') })),
        },
      }),
      t.app.inject({
        method: 'PUT',
        url: '/v1/exchange-connection',
        headers: bearer(ews.key),
        payload: {
          kind: 'ews',
          url: 'https://ews.example/EWS/Exchange.asmx',
          authKind: 'ntlm',
          username: 'svc',
          password: secret('ews'),
        },
      }),
      t.app.inject({
        method: 'PUT',
        url: `/v1/tenants/${graph.id}/exchange-connection`,
        headers: bearer(t.adminKey),
        payload: {
          kind: 'graph',
          authKind: 'client_secret',
          entraTenantId: 't',
          clientId: 'c',
          clientSecret: secret('graph'),
        },
      }),
    ];
    for (const res of await Promise.all(calls)) expect(res.statusCode).toBeLessThan(300);
    // u1 has a finished run, so GET /v1/users/u1 carries a filled lastRun for the read-route walk below.
    await t.db.query(
      `INSERT INTO sync_runs (user_id, started_at, finished_at, outcome, counts, error)
       SELECT id, now(), now(), 'failed', '{"a_to_b":{"create":1}}', 'Exchange answered 503'
       FROM users WHERE nc_user_id = 'u1'`,
    );

    // Requests that fail while carrying a secret must not log it either.
    const failing = [
      { loginName: 'x', appPassword: secret('refused'), unexpected: true },
      { loginName: 7, appPassword: secret('wrongtype') },
    ];
    for (const payload of failing) {
      const res = await t.app.inject({ method: 'PUT', url: '/v1/users/u9', headers: bearer(ews.key), payload });
      expect(res.statusCode).toBe(400);
    }
  });

  afterAll(async () => {
    await t?.close();
    await dropDb?.();
  });

  it('never returns a secret from any read route', async () => {
    const [ews, graph] = tenants as [{ id: string; key: string }, { id: string; key: string }];
    const reads = [
      ['/v1/users', ews.key],
      ['/v1/users/u1', ews.key],
      ['/v1/exchange-connection', ews.key],
      ['/v1/exchange-connection', graph.key],
      [`/v1/tenants/${ews.id}/users`, t.adminKey],
      [`/v1/tenants/${ews.id}/api-keys`, t.adminKey],
      ['/v1/tenants', t.adminKey],
    ] as const;
    for (const [url, key] of reads) {
      const res = await t.app.inject({ method: 'GET', url, headers: bearer(key) });
      expect(res.statusCode, url).toBe(200);
      for (const p of plaintexts) expect(res.body, url).not.toContain(p);
    }
    const u1 = await t.app.inject({ method: 'GET', url: '/v1/users/u1', headers: bearer(ews.key) });
    expect(u1.json().lastRun).toMatchObject({ outcome: 'failed', error: 'Exchange answered 503' });
  });

  it('never writes a secret or an API key to the log', () => {
    const log = t.logText();
    expect(log.length).toBeGreaterThan(1000);
    for (const p of plaintexts) expect(log).not.toContain(p);
  });

  it('stores secrets only encrypted (raw tables), yet decryptable with the vault', async () => {
    const dump = JSON.stringify(await Promise.all(TABLES.map((table) => t.db.query(`SELECT * FROM ${table}`))));
    for (const p of plaintexts) expect(dump).not.toContain(p);
    const row = (
      await t.db.query<{ tenant_id: string; c: string; k: string }>(
        `SELECT tenant_id, app_password_ciphertext AS c, app_password_key_id AS k FROM users WHERE nc_user_id = 'u1'`,
      )
    )[0]!;
    expect(t.vault.open({ ciphertext: row.c, keyId: row.k }, `user:${row.tenant_id}:u1:appPassword`)).toMatch(
      /^single-/,
    );
  });

  it('rotate-key re-encrypts every secret under the new key while the old one still decrypts', async () => {
    const newKey = randomBytes(32);
    const rotating = new Vault(new KeyRing(newKey, [latestKey]));
    const result = await rotateSecrets(t.store, rotating, { batchSize: 2 });
    expect(result).toEqual({ rotated: 6, raced: 0, unreadable: [] });
    expect(await rotateSecrets(t.store, rotating)).toEqual({ rotated: 0, raced: 0, unreadable: [] });
    latestKey = newKey;

    const keyIds = await t.db.query<{ k: string | null }>(
      `SELECT app_password_key_id AS k FROM users UNION ALL SELECT secret_key_id FROM exchange_connections`,
    );
    expect(new Set(keyIds.map((r) => r.k))).toEqual(new Set([rotating.ring.current.id]));

    // After rotation the old key can go: the new key alone opens everything.
    const onlyNew = new Vault(new KeyRing(newKey));
    const users = await t.db.query<{ tenant_id: string; nc_user_id: string; c: string; k: string }>(
      'SELECT tenant_id, nc_user_id, app_password_ciphertext AS c, app_password_key_id AS k FROM users',
    );
    for (const u of users) {
      const plain = onlyNew.open({ ciphertext: u.c, keyId: u.k }, `user:${u.tenant_id}:${u.nc_user_id}:appPassword`);
      expect(plaintexts).toContain(plain);
    }
  });

  it('a concurrent write under the new key wins over the rotation', async () => {
    const newer = new Vault(new KeyRing(randomBytes(32), [latestKey]));
    const stale = await t.store.secrets.listStale(newer.ring.current.id, 1);
    const target = stale[0]!;
    // Someone writes the row after it was read: the rotation's conditional update must not overwrite it.
    const fresh = newer.seal('written-meanwhile', target.context);
    expect(await t.store.secrets.replace(target.ref, target.sealed, fresh)).toBe(true);
    expect(await t.store.secrets.replace(target.ref, target.sealed, newer.reseal(target.sealed, target.context))).toBe(
      false,
    );
  });
});
