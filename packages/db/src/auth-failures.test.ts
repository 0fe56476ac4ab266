import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthFailureRepository, createAuthFailureRepository } from './auth-failures';
import { isDatabaseError } from './errors';
import { migrate } from './migrator';
import { createTestDatabase, type TestDatabase, testBackends } from './testing/test-database';

describe.each(testBackends)('auth failures (%s)', (kind) => {
  let test: TestDatabase;
  let repo: AuthFailureRepository;
  const limits = { maxFailures: 3, windowMs: 60_000 };

  beforeAll(async () => {
    test = await createTestDatabase(kind);
    await migrate(test.db);
    repo = createAuthFailureRepository(test.db);
  });
  afterAll(async () => {
    await test?.dispose();
  });

  it('blocks an address once it passes the limit, until the window ends', async () => {
    for (let i = 0; i < 3; i++) expect(await repo.record('192.0.2.1', limits)).toBe(0);
    expect(await repo.blockedFor('192.0.2.1')).toBe(0);
    const blocked = await repo.record('192.0.2.1', limits);
    expect(blocked).toBeGreaterThan(55_000);
    expect(blocked).toBeLessThanOrEqual(60_000);
    expect(await repo.blockedFor('192.0.2.1')).toBeGreaterThan(55_000);
    // Other addresses are not affected.
    expect(await repo.blockedFor('192.0.2.2')).toBe(0);
  });

  it('counts concurrent failures exactly (one statement per failure)', async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => repo.record('198.51.100.7', { maxFailures: 10, windowMs: 60_000 })),
    );
    expect(answers.filter((ms) => ms === 0)).toHaveLength(10);
    const rows = await test.db.query<{ failures: number }>('SELECT failures FROM auth_failures WHERE address = $1', [
      '198.51.100.7',
    ]);
    expect(rows[0]?.failures).toBe(20);
  });

  it('starts a new window once the old one has ended, and purges ended windows', async () => {
    // Long enough that two calls surely fall in one window on a loaded machine.
    const short = { maxFailures: 1, windowMs: 1500 };
    expect(await repo.record('203.0.113.9', short)).toBe(0);
    expect(await repo.record('203.0.113.9', short)).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1600));
    expect(await repo.blockedFor('203.0.113.9')).toBe(0);
    expect(await repo.record('203.0.113.9', short)).toBe(0);
    await new Promise((r) => setTimeout(r, 1600));
    expect(await repo.purge(1500)).toBeGreaterThanOrEqual(1);
    expect(await test.db.query('SELECT 1 FROM auth_failures WHERE address = $1', ['203.0.113.9'])).toHaveLength(0);
    // A blocked address is kept.
    expect(await repo.blockedFor('192.0.2.1')).toBeGreaterThan(0);
  });

  it('refuses what is not an address or not a limit', async () => {
    for (const bad of [
      () => repo.record('', limits),
      () => repo.record('x'.repeat(101), limits),
      () => repo.record('a', { maxFailures: 0, windowMs: 1 }),
    ]) {
      await expect(bad()).rejects.toSatisfy((e: unknown) => isDatabaseError(e, 'invalid_input'));
    }
  });
});
