import { randomBytes } from 'node:crypto';
import { createRepositories } from '@exsync/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretContext } from '../store/port';
import { bearer, createTenant, startTestApp, type TestApp } from '../testing/harness';
import { KeyRing } from './key-ring';
import { rotateSecrets } from './rotate';
import { VaultKeyUnknownError, VaultTamperedError, VaultUnreadableError } from './vault';

/** One secret that cannot be opened (damaged, or sealed for another record) must not stop a rotation. */
let t: TestApp;
let tenant: { id: string; key: string };

beforeAll(async () => {
  t = await startTestApp();
  tenant = await createTenant(t, 'Rot');
});
afterAll(async () => t?.close());

async function enrol(ncUserId: string, password: string): Promise<void> {
  const res = await t.app.inject({
    method: 'PUT',
    url: `/v1/users/${ncUserId}`,
    headers: bearer(tenant.key),
    payload: { loginName: ncUserId, appPassword: password },
  });
  expect(res.statusCode).toBe(201);
}

describe('key rotation with an unreadable secret', () => {
  it('re-encrypts the readable secrets, skips the unreadable one and names it in the answer', async () => {
    await enrol('good1', 'pw-good1');
    await enrol('good2', 'pw-good2');
    // A ciphertext sealed for another record, as an id written differently used to produce.
    const { user: bad } = await t.store.users.upsert(tenant.id, {
      ncUserId: 'bad',
      loginName: 'bad',
      email: null,
      mailbox: null,
      displayName: null,
      appPassword: t.vault.seal('pw-bad', secretContext.appPassword(tenant.id.toUpperCase(), 'bad')),
    });
    const badRow = await t.db.query<{ id: string }>('SELECT id::text AS id FROM users WHERE nc_user_id = $1', ['bad']);
    const oldKey = t.vault.ring.current.key;
    t.vault.useRing(new KeyRing(randomBytes(32), [oldKey]));

    const res = await t.app.inject({ method: 'POST', url: '/v1/admin/key-rotation', headers: bearer(t.adminKey) });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.rotated).toBe(2);
    expect(body.unreadable).toEqual([
      { kind: 'user_app_password', id: badRow[0]!.id, reason: expect.stringContaining('integrity') },
    ]);
    expect(bad.ncUserId).toBe('bad');

    // The readable ones are under the new key and still open; the rotation did not loop on the bad one.
    const repos = createRepositories(t.db);
    for (const uid of ['good1', 'good2']) {
      const sealed = await repos.users.getCredentials(tenant.id, uid);
      expect(sealed!.keyId).toBe(t.vault.ring.current.id);
      expect(t.vault.open(sealed!, secretContext.appPassword(tenant.id, uid))).toBe(`pw-${uid}`);
    }
    expect(t.logText()).not.toContain('pw-bad');
    expect(t.logText()).not.toContain('pw-good');
  });

  it('reports a secret under a key that is no longer configured, in batches smaller than the skip list', async () => {
    const lost = new KeyRing(randomBytes(32));
    const current = t.vault.ring;
    t.vault.useRing(lost);
    await enrol('lost1', 'pw-lost1');
    await enrol('lost2', 'pw-lost2');
    await enrol('late', 'pw-late');
    t.vault.useRing(new KeyRing(randomBytes(32), [current.current.key]));
    const result = await rotateSecrets(t.store, t.vault, { batchSize: 1 });
    expect(result.unreadable.map((u) => u.reason)).toEqual(
      expect.arrayContaining([expect.stringContaining(lost.current.id)]),
    );
    // good1, good2 (under the previous current key) rotated; bad + three under the lost key reported.
    expect(result.rotated).toBe(2);
    expect(result.unreadable).toHaveLength(4);
  });
});

describe('key rotation covers Graph subscription clientStates', () => {
  it('re-seals a stored clientState under the new key, still readable for its subscription', async () => {
    await enrol('graphy', 'pw-graphy');
    const repos = createRepositories(t.db);
    const user = await repos.users.get(tenant.id, 'graphy');
    const subscriptionId = 'a3c9e9c0-1f0b-4c55-9f7e-1c6f0c0b5e11';
    await repos.graphSubscriptions.save({
      id: subscriptionId,
      tenantId: tenant.id,
      userId: user!.id,
      resource: '/users/graphy%40contoso.com/calendars/AAMk/events',
      clientState: t.vault.seal('client-state-secret', secretContext.graphClientState(subscriptionId)),
      expiresAt: new Date(Date.now() + 86_400_000),
    });
    const oldKey = t.vault.ring.current.key;
    t.vault.useRing(new KeyRing(randomBytes(32), [oldKey]));

    const res = await t.app.inject({ method: 'POST', url: '/v1/admin/key-rotation', headers: bearer(t.adminKey) });
    expect(res.statusCode, res.body).toBe(200);
    const stored = await repos.graphSubscriptions.get(subscriptionId);
    expect(stored!.clientState.keyId).toBe(t.vault.ring.current.id);
    expect(t.vault.open(stored!.clientState, secretContext.graphClientState(subscriptionId))).toBe(
      'client-state-secret',
    );
  });
});

describe('the vault raises one typed error for any secret it cannot open', () => {
  it('VaultTamperedError and VaultKeyUnknownError are both VaultUnreadableError, with a reason code', () => {
    const tampered = new VaultTamperedError();
    const unknown = new VaultKeyUnknownError('k1');
    expect(tampered).toBeInstanceOf(VaultUnreadableError);
    expect(unknown).toBeInstanceOf(VaultUnreadableError);
    expect(tampered.reason).toBe('tampered');
    expect(unknown.reason).toBe('unknown_key');
  });
});
