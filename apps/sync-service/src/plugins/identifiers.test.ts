import { createRepositories } from '@exsync/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretContext } from '../store/port';
import { bearer, createTenant, startTestApp, type TestApp } from '../testing/harness';
import { UUID_PARAMS } from './identifiers';

/**
 * A UUID may be written in upper case (RFC 9562 says to accept it). PostgreSQL stores it lower-cased, so an id
 * used as written anywhere else (the vault's authenticated context, the tenant check) disagrees with the stored
 * one: the service must use the canonical form everywhere.
 */
let t: TestApp;
let tenant: { id: string; key: string };

beforeAll(async () => {
  t = await startTestApp();
  tenant = await createTenant(t, 'Upper');
});
afterAll(async () => t?.close());

describe('identifiers in the path are used in canonical form', () => {
  it('an app password enrolled under an upper-case tenant id can be decrypted with the stored id', async () => {
    const res = await t.app.inject({
      method: 'PUT',
      url: `/v1/tenants/${tenant.id.toUpperCase()}/users/u1`,
      headers: bearer(t.adminKey),
      payload: { loginName: 'u1', appPassword: 'pw-of-u1' },
    });
    expect(res.statusCode).toBe(201);
    const sealed = await createRepositories(t.db).users.getCredentials(tenant.id, 'u1');
    expect(sealed).not.toBeNull();
    // The worker opens it with the tenant id the database returns (lower case).
    expect(t.vault.open(sealed!, secretContext.appPassword(tenant.id, 'u1'))).toBe('pw-of-u1');
  });

  it('the same for the Exchange connection secret', async () => {
    const res = await t.app.inject({
      method: 'PUT',
      url: `/v1/tenants/${tenant.id.toUpperCase()}/exchange-connection`,
      headers: bearer(t.adminKey),
      payload: {
        kind: 'ews',
        url: 'https://mail.example.org/EWS/Exchange.asmx',
        authKind: 'basic',
        username: 'svc',
        password: 'pw-of-svc',
      },
    });
    expect(res.statusCode, res.body).toBeLessThan(300);
    const secrets = await createRepositories(t.db).exchangeConnections.getSecrets(tenant.id);
    expect(t.vault.open(secrets!.secret!, secretContext.exchange(tenant.id, 'secret'))).toBe('pw-of-svc');
  });

  it("a tenant key naming its own tenant in upper case is not taken for another tenant's", async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/v1/tenants/${tenant.id.toUpperCase()}/users/u1`,
      headers: bearer(tenant.key),
    });
    expect(res.statusCode, res.body).toBe(200);
  });

  it('revokes an API key named in upper case', async () => {
    const issued = await t.app.inject({
      method: 'POST',
      url: `/v1/tenants/${tenant.id}/api-keys`,
      headers: bearer(t.adminKey),
      payload: { label: 'to revoke' },
    });
    const { id, key } = issued.json<{ id: string; key: string }>();
    const revoked = await t.app.inject({
      method: 'DELETE',
      url: `/v1/tenants/${tenant.id.toUpperCase()}/api-keys/${id.toUpperCase()}`,
      headers: bearer(t.adminKey),
    });
    expect(revoked.statusCode).toBe(204);
    const refused = await t.app.inject({ method: 'GET', url: '/v1/users', headers: bearer(key) });
    expect(refused.statusCode).toBe(401);
  });
});

describe('every path parameter has a known normalisation', () => {
  it('is a UUID (lower-cased) or a Nextcloud user id (matched exactly, ASCII only)', () => {
    const names = new Set(
      t.app.registeredRoutes.flatMap((r) => [...r.url.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1] as string)),
    );
    // A new parameter must be added to UUID_PARAMS or here after deciding how it is compared.
    const exact = ['ncUserId'];
    expect([...names].sort()).toEqual([...UUID_PARAMS, ...exact].sort());
  });
});
