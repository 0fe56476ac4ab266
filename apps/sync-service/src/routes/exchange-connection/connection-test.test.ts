import { createSimulator, type SimulatorHandle } from '@exsync/exchange-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTenant, startTestApp, type TestApp } from '../../testing/harness';

/**
 * POST /v1/exchange-connection/test against the EWS simulator: the saved connection tries one mailbox and the
 * answer names the cause with the code a sync would record — a mailbox that does not exist, refused impersonation,
 * refused credentials — so an admin can tell them apart before enrolling anyone.
 */
const ALICE = 'alice@contoso.com';
const BOB = 'bob@contoso.com'; // exists, but the service account may not impersonate it

describe('POST /v1/exchange-connection/test (EWS simulator)', () => {
  let exchange: SimulatorHandle;
  let t: TestApp;
  let tenant: { id: string; key: string };
  let ewsUrl: string;

  beforeAll(async () => {
    exchange = createSimulator({ seed: 'exsync-connection-test' });
    exchange.sim.store.createMailbox({ smtpAddress: ALICE, displayName: 'Alice' });
    exchange.sim.store.createMailbox({ smtpAddress: BOB, displayName: 'Bob' });
    exchange.sim.directory.addServiceAccount({
      username: 'svc-sync',
      password: 'Passw0rd!',
      domain: 'CONTOSO',
      impersonation: [ALICE],
    });
    ewsUrl = (await exchange.listen(0)).ews;
    t = await startTestApp();
    tenant = await createTenant(t, 'Contoso');
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await exchange?.close();
  });

  const saveConnection = (password: string) =>
    t.app.inject({
      method: 'PUT',
      url: '/v1/exchange-connection',
      headers: bearer(tenant.key),
      payload: { kind: 'ews', url: ewsUrl, authKind: 'basic', username: 'CONTOSO\\svc-sync', password },
    });
  const probe = (payload: { mailbox?: string; ncUserId?: string }) =>
    t.app.inject({
      method: 'POST',
      url: `/v1/tenants/${tenant.id}/exchange-connection/test`,
      headers: bearer(tenant.key),
      payload,
    });

  it('says 404 EXSYNC_CONNECTION_NOT_FOUND before a connection is saved', async () => {
    const res = await probe({ mailbox: ALICE });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('EXSYNC_CONNECTION_NOT_FOUND');
  });

  it('opens every enabled folder of a reachable mailbox', async () => {
    expect((await saveConnection('Passw0rd!')).statusCode).toBe(200);
    const res = await probe({ mailbox: ALICE });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      ok: true,
      mailbox: ALICE,
      stateCode: null,
      folders: [
        { kind: 'events', ok: true },
        { kind: 'contacts', ok: true },
        { kind: 'tasks', ok: true },
      ],
    });
  });

  it('tells a missing mailbox, refused impersonation and refused credentials apart', async () => {
    const missing = (await probe({ mailbox: 'nobody@contoso.com' })).json();
    expect(missing).toMatchObject({ ok: false, stateCode: 'exchange_mailbox_not_found' });
    expect(missing.message).toContain('nobody@contoso.com');
    expect(missing.folders).toEqual([{ kind: 'events', ok: false }]);

    const denied = (await probe({ mailbox: BOB })).json();
    expect(denied).toMatchObject({ ok: false, stateCode: 'exchange_mailbox_access_denied' });
    expect(denied.message).toContain('impersonation');

    expect((await saveConnection('wrong-password')).statusCode).toBe(200);
    const refused = (await probe({ mailbox: ALICE })).json();
    expect(refused).toMatchObject({ ok: false, stateCode: 'exchange_credentials_refused' });
    expect(JSON.stringify(refused)).not.toContain('wrong-password');
    expect((await saveConnection('Passw0rd!')).statusCode).toBe(200);
  });

  it("tries an enrolled user's mailbox, and refuses an unknown user or an ambiguous request", async () => {
    await t.app.inject({
      method: 'PUT',
      url: '/v1/users/alice',
      headers: bearer(tenant.key),
      payload: { loginName: 'alice', appPassword: 'alice-app-password', email: 'alice@cloud.example', mailbox: ALICE },
    });
    expect((await probe({ ncUserId: 'alice' })).json()).toMatchObject({ ok: true, mailbox: ALICE });
    const unknown = await probe({ ncUserId: 'nobody' });
    expect([unknown.statusCode, unknown.json().code]).toEqual([404, 'EXSYNC_USER_NOT_FOUND']);
    for (const payload of [{}, { mailbox: ALICE, ncUserId: 'alice' }]) {
      const res = await probe(payload);
      expect([res.statusCode, res.json().code]).toEqual([400, 'EXSYNC_VALIDATION_FAILED']);
    }
  });

  it('tries only the item kinds the sync settings enable', async () => {
    await t.app.inject({
      method: 'PUT',
      url: '/v1/settings',
      headers: bearer(tenant.key),
      payload: {
        itemKinds: {
          events: { enabled: false, direction: 'two-way' },
          contacts: { enabled: true, direction: 'two-way' },
          tasks: { enabled: false, direction: 'two-way' },
        },
      },
    });
    expect((await probe({ mailbox: ALICE })).json().folders).toEqual([{ kind: 'contacts', ok: true }]);
  });
});
