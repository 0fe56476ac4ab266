import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDatabaseError } from '../errors';
import { migrate } from '../migrator';
import type { Database } from '../open-database';
import { createTestDatabase, type TestDatabase } from '../testing/test-database';
import { PrismaStatusStore } from './prisma-status-store';

/** `rows()` names a malformed pair id as such, and only that: any other failure reaches the caller as it is. */
describe('PrismaStatusStore.rows() errors', () => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await createTestDatabase('pglite');
    await migrate(test.db);
  });
  afterAll(async () => {
    await test?.dispose();
  });

  it('a malformed id is "not a collection pair id" (invalid_input)', async () => {
    const error = await new PrismaStatusStore(test.db).rows('not-a-uuid').catch((e: unknown) => e);
    expect(isDatabaseError(error, 'invalid_input')).toBe(true);
    expect((error as Error).message).toBe('"not-a-uuid" is not a collection pair id.');
  });

  it('a well-formed id whose query fails keeps the failure’s own error', async () => {
    const lost = new Error('Connection terminated unexpectedly');
    const failing = { prisma: test.db.prisma, query: () => Promise.reject(lost) } as unknown as Database;
    const error = await new PrismaStatusStore(failing).rows('0b7c6f0e-3a51-4c1e-9d0a-6f2b8e4a1c55').catch((e) => e);
    expect(error).toBe(lost);
  });

  it('a well-formed id no pair has reads as no rows', async () => {
    expect(await new PrismaStatusStore(test.db).rows('0b7c6f0e-3a51-4c1e-9d0a-6f2b8e4a1c55')).toEqual([]);
  });
});
