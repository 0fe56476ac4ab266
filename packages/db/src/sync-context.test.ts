import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOrCreatePair } from './collection-pairs';
import { migrate } from './migrator';
import { createRepositories, type Repositories } from './repositories';
import { PrismaStatusStore } from './status-store/prisma-status-store';
import { loadSyncContext } from './sync-context';
import { createTestDatabase, type TestDatabase, testBackends } from './testing/test-database';

describe.each(testBackends)('sync context (%s)', (kind) => {
  let test: TestDatabase;
  let repos: Repositories;
  let status: PrismaStatusStore;

  beforeAll(async () => {
    test = await createTestDatabase(kind);
    await migrate(test.db);
    repos = createRepositories(test.db);
    status = new PrismaStatusStore(test.db);
  });
  afterAll(async () => {
    await test?.dispose();
  });

  const newPair = async (ncUserId: string) => {
    const tenant = await repos.tenants.create({ name: ncUserId, nextcloudUrl: 'https://nc.example' });
    const { user } = await repos.users.upsert(tenant.id, {
      ncUserId,
      loginName: ncUserId,
      email: `${ncUserId}@example.org`,
      displayName: ncUserId,
      appPassword: { ciphertext: 'sealed', keyId: 'k1' },
    });
    const pair = await findOrCreatePair(test.db, {
      userId: user.id,
      kind: 'event',
      aCollectionId: 'ews:F1',
      bCollectionId: 'https://dav/c/',
    });
    return { userId: user.id, pair };
  };
  const contextPair = async (userId: string) => (await loadSyncContext(test.db, userId))?.pairs[0];

  it("carries each pair's stored state as the status store reads it, so the quiet check needs no query", async () => {
    const { userId, pair } = await newPair('stated');
    expect((await contextPair(userId))?.state).toEqual(await status.pairState(pair));
    await status.transaction(pair, (w) =>
      w.setPairState({
        tokens: { a: 'a-token', b: 'b-token' },
        retry: { a: ['x'], b: [] },
        window: { start: '2031-01-01T00:00:00.000Z', end: '2031-07-01T00:00:00.000Z' },
        lastFullSyncAt: '2031-01-02T03:04:05.678Z',
        needsReview: true,
      }),
    );
    const stored = await status.pairState(pair);
    expect(stored.tokens).toEqual({ a: 'a-token', b: 'b-token' });
    const found = await contextPair(userId);
    expect(found?.state).toEqual(stored);
    expect(found?.bSyncToken).toBe('b-token');
  });

  it('counts the unresolved held deletions of the pair, not the resolved ones', async () => {
    const { userId, pair } = await newPair('held');
    expect((await contextPair(userId))?.held).toBe(0);
    await status.transaction(pair, async (w) => {
      await w.quarantine({ ident: 'one', side: 'a', href: 'h1', reason: 'threshold' });
      await w.quarantine({ ident: 'two', side: 'b', href: 'h2', reason: 'threshold' });
    });
    expect((await contextPair(userId))?.held).toBe(2);
    const [first] = await status.quarantined(pair);
    await status.resolveQuarantine(pair, first!.id);
    expect((await contextPair(userId))?.held).toBe((await status.quarantined(pair)).length);
    expect((await contextPair(userId))?.held).toBe(1);
  });
});
