import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSyncRuntime, type SyncRuntime } from '../jobs/sync-runtime';
import { bearer, createTenant, startTestApp, type TestApp } from '../testing/harness';

/**
 * An app password the service can no longer open (sealed under a key that is gone) is a reason a person can act on:
 * the user goes to `error` with that reason and the attempt is in the run history, instead of a job that fails with
 * nothing but a log line.
 */
describe('a user whose app password cannot be opened', () => {
  let t: TestApp;
  let sync: SyncRuntime;
  let key: string;

  beforeAll(async () => {
    t = await startTestApp();
    key = (await createTenant(t, 'Acme')).key;
    const enrolled = await t.app.inject({
      method: 'PUT',
      url: '/v1/users/alice',
      headers: bearer(key),
      payload: { loginName: 'alice', appPassword: 'pw', mailbox: 'alice@acme.example' },
    });
    expect(enrolled.statusCode).toBe(201);
    await t.db.query("UPDATE users SET app_password_key_id = 'retired-key' WHERE nc_user_id = 'alice'");
    sync = createSyncRuntime({ db: t.db, vault: t.vault, logger: pino({ level: 'silent' }), davRoot: (u) => u });
    await sync.prepare();
  }, 60_000);
  afterAll(async () => {
    await sync?.stop(1000);
    await t?.close();
  });

  it('goes to error with the vault’s reason, and the failed attempt is in its runs', async () => {
    expect((await t.app.inject({ method: 'POST', url: '/v1/users/alice/sync', headers: bearer(key) })).statusCode).toBe(
      200,
    );
    while (await sync.worker.runOnce()) {}
    const user = (await t.app.inject({ method: 'GET', url: '/v1/users/alice', headers: bearer(key) })).json();
    expect(user.state).toBe('error');
    expect(user.stateReason).toContain('retired-key');
    const runs = (await t.app.inject({ method: 'GET', url: '/v1/users/alice/runs', headers: bearer(key) })).json();
    expect(runs.items[0]).toMatchObject({ outcome: 'failed' });
    expect(runs.items[0].error).toContain('VaultKeyUnknownError');
  });
});
