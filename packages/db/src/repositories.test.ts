import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDatabaseError } from './errors';
import { migrate } from './migrator';
import { createRepositories, type Repositories } from './repositories';
import { createTestDatabase, type TestDatabase, testBackends } from './testing/test-database';

const unknownId = '00000000-0000-4000-8000-000000000000';

describe.each(testBackends)('repositories (%s)', (kind) => {
  let test: TestDatabase;
  let repos: Repositories;
  const newTenant = async (name = 'acme') =>
    (await repos.tenants.create({ name, nextcloudUrl: 'https://nc.example' })).id;

  beforeAll(async () => {
    test = await createTestDatabase(kind);
    await migrate(test.db);
    repos = createRepositories(test.db);
  });
  afterAll(async () => {
    await test?.dispose();
  });

  describe('database transactions', () => {
    it('db.transaction commits when the function resolves and rolls back when it throws', async () => {
      const tenantId = await newTenant('tx');
      await test.db.transaction(async (tx) => {
        await tx.query('UPDATE tenants SET name = $2 WHERE id = $1', [tenantId, 'committed']);
      });
      const failed = test.db.transaction(async (tx) => {
        await tx.query('UPDATE tenants SET name = $2 WHERE id = $1', [tenantId, 'rolled back']);
        throw new Error('stop');
      });
      await expect(failed).rejects.toThrow('stop');
      expect((await repos.tenants.get(tenantId))?.name).toBe('committed');
    });

    it("Prisma's interactive transactions roll back through this backend's driver adapter", async () => {
      const tenantId = await newTenant('prisma-tx');
      const failed = test.db.prisma.$transaction(async (tx) => {
        await tx.tenant.update({ where: { id: tenantId }, data: { name: 'rolled back' } });
        throw new Error('stop');
      });
      await expect(failed).rejects.toThrow('stop');
      expect((await repos.tenants.get(tenantId))?.name).toBe('prisma-tx');
    });
  });

  describe('tenants', () => {
    it('creates, reads, updates and replaces settings', async () => {
      const created = await repos.tenants.create({ name: 'acme', nextcloudUrl: 'https://nc.example' });
      expect(created.settings).toEqual({});
      expect(await repos.tenants.get(created.id)).toEqual(created);

      const renamed = await repos.tenants.update(created.id, { name: 'Acme Ltd' });
      expect(renamed).toMatchObject({ name: 'Acme Ltd', nextcloudUrl: 'https://nc.example' });

      const settings = { window: { daysBack: 30, daysAhead: 180 }, itemKinds: ['event', 'contact'], paused: false };
      await repos.tenants.setSettings(created.id, settings);
      expect(await repos.tenants.getSettings(created.id)).toEqual(settings);
      expect((await repos.tenants.list()).map((t) => t.id)).toContain(created.id);
    });

    it('reports unknown or malformed tenant ids as not_found or null, never as a crash', async () => {
      expect(await repos.tenants.get(unknownId)).toBeNull();
      expect(await repos.tenants.get('nope')).toBeNull();
      for (const attempt of [
        () => repos.tenants.update(unknownId, { name: 'x' }),
        () => repos.tenants.update('nope', { name: 'x' }),
        () => repos.tenants.getSettings(unknownId),
        () => repos.tenants.setSettings(unknownId, {}),
      ]) {
        expect(isDatabaseError(await attempt().catch((e: unknown) => e), 'not_found')).toBe(true);
      }
      expect(await repos.tenants.delete(unknownId)).toBe(false);
    });

    it('deleting a tenant removes its keys, connection and users with them', async () => {
      const tenantId = await newTenant();
      const { plaintext } = await repos.apiKeys.create({ role: 'tenant', tenantId });
      await repos.exchangeConnections.upsert(tenantId, { kind: 'graph', authKind: 'client_secret' });
      await repos.users.upsert(tenantId, {
        ncUserId: 'u',
        loginName: 'u',
        appPassword: { ciphertext: 'c', keyId: 'k' },
      });
      expect(await repos.tenants.delete(tenantId)).toBe(true);
      expect(await repos.apiKeys.verify(plaintext)).toBeNull();
      expect(await repos.exchangeConnections.get(tenantId)).toBeNull();
      expect(await repos.users.get(tenantId, 'u')).toBeNull();
    });
  });

  describe('api keys', () => {
    it('returns the key once, stores only its SHA-256 and public prefix, and verifies it', async () => {
      const tenantId = await newTenant();
      const { key, plaintext } = await repos.apiKeys.create({ role: 'tenant', tenantId, label: 'nextcloud app' });
      expect(plaintext).toMatch(/^exs_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
      expect(plaintext.startsWith(`exs_${key.prefix}_`)).toBe(true);

      const [raw] = await test.db.query<Record<string, unknown>>('SELECT * FROM api_keys WHERE id = $1', [key.id]);
      expect(raw!.hash).toBe(createHash('sha256').update(plaintext).digest('hex'));
      const secretPart = plaintext.slice(`exs_${key.prefix}_`.length);
      expect(JSON.stringify(raw)).not.toContain(secretPart);

      const verified = await repos.apiKeys.verify(plaintext);
      expect(verified).toMatchObject({ id: key.id, role: 'tenant', tenantId, label: 'nextcloud app' });
      expect(verified!.lastUsedAt).toBeInstanceOf(Date);
    });

    it('rejects a wrong secret with a valid prefix, a malformed key, and a revoked key', async () => {
      const tenantId = await newTenant();
      const { key, plaintext } = await repos.apiKeys.create({ role: 'tenant', tenantId });
      const last = plaintext.at(-1) === 'A' ? 'B' : 'A';
      expect(await repos.apiKeys.verify(plaintext.slice(0, -1) + last)).toBeNull();
      expect(await repos.apiKeys.verify('')).toBeNull();
      expect(await repos.apiKeys.verify('Bearer nonsense')).toBeNull();

      expect(await repos.apiKeys.revoke(key.id)).toBe(true);
      expect(await repos.apiKeys.verify(plaintext)).toBeNull();
      expect((await repos.apiKeys.list({ tenantId }))[0]!.revokedAt).toBeInstanceOf(Date);
      expect(await repos.apiKeys.revoke(unknownId)).toBe(false);
    });

    it('knows whether an active admin key exists, and admin keys carry no tenant', async () => {
      const { key, plaintext } = await repos.apiKeys.create({ role: 'admin', label: 'first start' });
      expect(key.tenantId).toBeNull();
      expect(await repos.apiKeys.hasActiveAdminKey()).toBe(true);
      expect(await repos.apiKeys.verify(plaintext)).toMatchObject({ role: 'admin', tenantId: null });
      for (const admin of await repos.apiKeys.list({ role: 'admin' })) await repos.apiKeys.revoke(admin.id);
      expect(await repos.apiKeys.hasActiveAdminKey()).toBe(false);
    });

    it('refuses a tenant key for an unknown tenant with not_found', async () => {
      for (const tenantId of [unknownId, 'nope']) {
        const error = await repos.apiKeys.create({ role: 'tenant', tenantId }).catch((e: unknown) => e);
        expect(isDatabaseError(error, 'not_found')).toBe(true);
      }
    });
  });

  describe('exchange connection', () => {
    it('stores sealed secrets as given, returns them only through getSecrets, and keeps / clears them', async () => {
      const tenantId = await newTenant();
      const secret = { ciphertext: 'v1.iv.tag.SECRET-CIPHERTEXT', keyId: 'k1' };
      const created = await repos.exchangeConnections.upsert(tenantId, {
        kind: 'ews',
        endpoint: 'https://mail.corp.example/EWS/Exchange.asmx',
        authKind: 'ntlm',
        username: 'CORP\\svc-exsync',
        secret,
      });
      expect(created).toMatchObject({ kind: 'ews', authKind: 'ntlm', hasSecret: true, hasCertificate: false });
      expect(JSON.stringify(created)).not.toContain('SECRET-CIPHERTEXT');
      expect(JSON.stringify(await repos.exchangeConnections.get(tenantId))).not.toContain('SECRET-CIPHERTEXT');
      expect(await repos.exchangeConnections.getSecrets(tenantId)).toEqual({ secret, certificate: null });

      // Omitting the secret keeps it (secrets are write-only: clients cannot send back what they never saw).
      const kept = await repos.exchangeConnections.upsert(tenantId, {
        kind: 'graph',
        authKind: 'certificate',
        entraTenantId: 'contoso.onmicrosoft.com',
        clientId: '11111111-2222-3333-4444-555555555555',
        certificate: { ciphertext: 'PEM-CIPHERTEXT', keyId: 'k1' },
      });
      expect(kept).toMatchObject({
        kind: 'graph',
        endpoint: null,
        username: null,
        hasSecret: true,
        hasCertificate: true,
      });

      const cleared = await repos.exchangeConnections.upsert(tenantId, {
        kind: 'graph',
        authKind: 'certificate',
        secret: null,
      });
      expect(cleared).toMatchObject({ hasSecret: false, hasCertificate: true });
      expect(await repos.exchangeConnections.delete(tenantId)).toBe(true);
      expect(await repos.exchangeConnections.getSecrets(tenantId)).toBeNull();
    });

    it('refuses a connection for an unknown tenant with not_found', async () => {
      for (const tenantId of [unknownId, 'nope']) {
        const error = await repos.exchangeConnections
          .upsert(tenantId, { kind: 'graph', authKind: 'client_secret' })
          .catch((e: unknown) => e);
        expect(isDatabaseError(error, 'not_found')).toBe(true);
      }
    });
  });

  describe('sealed secrets (key rotation)', () => {
    it('lists what is not under the new key, swaps only unchanged secrets, and counts by key id', async () => {
      // Own tenants, but the listing spans the whole database: look only at this test's rows.
      const tenantId = await newTenant('rotation');
      const { user } = await repos.users.upsert(tenantId, {
        ncUserId: 'rot',
        loginName: 'rot',
        appPassword: { ciphertext: 'old-user', keyId: 'old' },
      });
      const connection = await repos.exchangeConnections.upsert(tenantId, {
        kind: 'graph',
        authKind: 'client_secret',
        secret: { ciphertext: 'old-exchange', keyId: 'old' },
      });
      const mine = (list: Awaited<ReturnType<typeof repos.sealedSecrets.list>>) =>
        list.filter((s) => s.ref.id === user.id || s.ref.id === connection.id);

      const pending = mine(await repos.sealedSecrets.list({ exceptKeyId: 'new', limit: 10_000 }));
      expect(pending.map((s) => [s.ref.kind, s.owner, s.sealed])).toEqual([
        ['exchange_secret', { tenantId, ncUserId: null }, { ciphertext: 'old-exchange', keyId: 'old' }],
        ['user_app_password', { tenantId, ncUserId: 'rot' }, { ciphertext: 'old-user', keyId: 'old' }],
      ]);

      const userSecret = pending.find((s) => s.ref.kind === 'user_app_password')!;
      // The user re-enrols (new password, sealed under the new key) while rotation runs.
      await repos.users.upsert(tenantId, {
        ncUserId: 'rot',
        loginName: 'rot',
        appPassword: { ciphertext: 'fresh-user', keyId: 'new' },
      });
      expect(
        await repos.sealedSecrets.replace(userSecret.ref, userSecret.sealed, { ciphertext: 'x', keyId: 'new' }),
      ).toBe(false);
      expect(await repos.users.getCredentials(tenantId, 'rot')).toEqual({ ciphertext: 'fresh-user', keyId: 'new' });

      const exchangeSecret = pending.find((s) => s.ref.kind === 'exchange_secret')!;
      expect(
        await repos.sealedSecrets.replace(exchangeSecret.ref, exchangeSecret.sealed, {
          ciphertext: 'new-exchange',
          keyId: 'new',
        }),
      ).toBe(true);
      expect((await repos.exchangeConnections.getSecrets(tenantId))?.secret).toEqual({
        ciphertext: 'new-exchange',
        keyId: 'new',
      });
      expect(mine(await repos.sealedSecrets.list({ exceptKeyId: 'new', limit: 10_000 }))).toEqual([]);
      expect((await repos.sealedSecrets.countByKeyId()).new).toBeGreaterThanOrEqual(2);
    });
  });

  describe('sync runs', () => {
    it('records a run, its counts and outcome, newest first, and the user last sync time', async () => {
      const tenantId = await newTenant();
      const { user } = await repos.users.upsert(tenantId, {
        ncUserId: 'runner',
        loginName: 'runner',
        appPassword: { ciphertext: 'c', keyId: 'k' },
      });
      const first = await repos.syncRuns.start(user.id);
      expect(first).toMatchObject({ outcome: 'running', finishedAt: null, counts: {} });
      await repos.syncRuns.finish(first.id, { outcome: 'failed', error: 'Exchange answered 503' });
      const second = await repos.syncRuns.start(user.id);
      const done = await repos.syncRuns.finish(second.id, {
        outcome: 'success',
        counts: { a_to_b: { create: 2 }, b_to_a: { update: 1 } },
      });
      expect(done.finishedAt).toBeInstanceOf(Date);

      const runs = await repos.syncRuns.listForUser(user.id);
      expect(runs.map((r) => r.outcome)).toEqual(['success', 'failed']);
      expect(runs[0]!.counts).toEqual({ a_to_b: { create: 2 }, b_to_a: { update: 1 } });
      expect((await repos.users.get(tenantId, 'runner'))!.lastSyncAt).toEqual(done.finishedAt);
      const error = await repos.syncRuns.finish(unknownId, { outcome: 'success' }).catch((e: unknown) => e);
      expect(isDatabaseError(error, 'not_found')).toBe(true);
    });

    it('prune deletes runs finished before the cut, a batch at a time, but keeps every user’s newest sync and any run still going', async () => {
      const tenantId = await newTenant('prune');
      const enrol = async (ncUserId: string) =>
        (
          await repos.users.upsert(tenantId, {
            ncUserId,
            loginName: ncUserId,
            appPassword: { ciphertext: 'c', keyId: 'k' },
          })
        ).user.id;
      const idle = await enrol('idle'); // synced last 31 days ago: only older syncs go
      const busy = await enrol('busy');
      const day = 86_400_000;
      // Now, not a fixed date: the cut must leave the other tests' runs (made seconds ago) alone, as pruning is global.
      const now = Date.now();
      const run = async (
        userId: string,
        syncId: string | null,
        daysAgo: number,
        extra: { dryRun?: boolean; running?: boolean } = {},
      ) => {
        const at = new Date(now - daysAgo * day).toISOString();
        const [row] = await test.db.query<{ id: string }>(
          `INSERT INTO sync_runs (user_id, sync_id, started_at, finished_at, outcome, dry_run)
           VALUES ($1::uuid, $2::uuid, $3::timestamptz, $4::timestamptz, $5::sync_outcome, $6) RETURNING id`,
          [userId, syncId, at, extra.running ? null : at, extra.running ? 'running' : 'success', extra.dryRun ?? false],
        );
        return row!.id;
      };
      const sync = () => crypto.randomUUID();
      const s1 = sync();
      const s3 = sync();
      const doomed = [await run(idle, s1, 40), await run(idle, s1, 40), await run(idle, null, 35)];
      doomed.push(await run(idle, sync(), 30.5, { dryRun: true })); // newer, but a dry run is not the user's health
      const kept = [await run(idle, s3, 31), await run(idle, s3, 31)];
      kept.push(await run(idle, sync(), 45, { running: true })); // never finished: not this job's to remove
      doomed.push(await run(busy, sync(), 60));
      kept.push(await run(busy, sync(), 2));

      const cut = new Date(now - 30 * day);
      expect(await repos.syncRuns.prune(cut, 2)).toBe(2);
      let gone = 2;
      for (let n = 2; n === 2; gone += n) n = await repos.syncRuns.prune(cut, 2);
      expect(gone).toBe(doomed.length);
      const left = await test.db.query<{ id: string }>(
        'SELECT id FROM sync_runs WHERE user_id IN ($1::uuid, $2::uuid)',
        [idle, busy],
      );
      expect(left.map((r) => r.id).sort()).toEqual([...kept].sort());
      expect((await repos.syncRuns.lastSync(idle))?.parts).toHaveLength(2);
      expect(await repos.syncRuns.prune(cut, 100)).toBe(0);
    });
  });
});
