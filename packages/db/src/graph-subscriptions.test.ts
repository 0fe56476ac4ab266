import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from './migrator';
import { type Database, openDatabase } from './open-database';
import { createRepositories, type Repositories } from './repositories';
import { createTestDatabase, type TestDatabase, testBackends } from './testing/test-database';

/**
 * The notification route's per-subscription limit is counted in the database: Graph posts to one URL, but behind it
 * a load balancer spreads the requests over every API replica, and a count per process would let N replicas take
 * N times the limit.
 */
describe.each(testBackends)('Graph notification rate limit (%s)', (kind) => {
  let test: TestDatabase;
  let repos: Repositories;
  let subscription = 0;

  beforeAll(async () => {
    test = await createTestDatabase(kind);
    await migrate(test.db);
    repos = createRepositories(test.db);
  });
  afterAll(async () => {
    await test?.dispose();
  });

  async function newSubscription(): Promise<string> {
    const tenant = await repos.tenants.create({ name: 'acme', nextcloudUrl: 'https://nc.example' });
    const id = `sub-${++subscription}`;
    const { user } = await repos.users.upsert(tenant.id, {
      ncUserId: `u${subscription}`,
      loginName: `u${subscription}`,
      email: `u${subscription}@example.org`,
      displayName: 'U',
      appPassword: { ciphertext: 'sealed', keyId: 'k1' },
    });
    await repos.graphSubscriptions.save({
      id,
      tenantId: tenant.id,
      userId: user.id,
      resource: `/users/u${subscription}/events`,
      clientState: { ciphertext: 'sealed', keyId: 'k1' },
      expiresAt: new Date(Date.now() + 86_400_000),
    });
    return id;
  }

  it('allows `max` notifications per window and refuses the rest; other subscriptions are not affected', async () => {
    const [a, b] = [await newSubscription(), await newSubscription()];
    const limits = { max: 3, windowMs: 60_000, at: new Date() };
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push((await repos.graphSubscriptions.countNotification(a, limits)).verdict);
    expect(answers).toEqual(['allowed', 'allowed', 'allowed', 'first-refused', 'refused']);
    expect((await repos.graphSubscriptions.countNotification(b, limits)).verdict).toBe('allowed');
    expect(await repos.graphSubscriptions.countNotification('no-such-subscription', limits)).toEqual({
      verdict: 'refused',
      windowEndsAt: null,
    });
  });

  it('starts a new window once the old one has ended', async () => {
    const id = await newSubscription();
    const start = new Date('2026-12-07T10:00:00Z');
    const at = (ms: number) => ({ max: 1, windowMs: 60_000, at: new Date(start.getTime() + ms) });
    const count = async (ms: number) => (await repos.graphSubscriptions.countNotification(id, at(ms))).verdict;
    expect(await count(0)).toBe('allowed');
    expect(await repos.graphSubscriptions.countNotification(id, at(59_999))).toEqual({
      verdict: 'first-refused',
      windowEndsAt: new Date(start.getTime() + 60_000),
    });
    expect(await count(60_000)).toBe('allowed');
  });

  it.skipIf(kind !== 'postgres')(
    'two replicas (two connection pools) share one limit, counted exactly under concurrency',
    async () => {
      const id = await newSubscription();
      const replicas: Database[] = [];
      try {
        for (let i = 0; i < 2; i++) replicas.push(await openDatabase({ databaseUrl: test.url, maxConnections: 5 }));
        const [one, two] = replicas.map((db) => createRepositories(db).graphSubscriptions);
        const limits = { max: 60, windowMs: 60_000, at: new Date() };
        const answers = await Promise.all(
          Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? one! : two!).countNotification(id, limits)),
        );
        const verdicts = answers.map((a) => a.verdict);
        expect(verdicts.filter((v) => v === 'allowed')).toHaveLength(60);
        expect(verdicts.filter((v) => v === 'first-refused')).toHaveLength(1);
      } finally {
        for (const db of replicas) await db.close();
      }
    },
  );
});
