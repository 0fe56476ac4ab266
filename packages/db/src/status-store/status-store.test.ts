import { describeStatusStoreContract } from '@exsync/core/engine/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../migrator';
import { type Database, openDatabase } from '../open-database';
import { createTestDatabase, type TestDatabase, testBackends } from '../testing/test-database';
import { AdvisoryPairLock } from './advisory-pair-lock';
import { PrismaStatusStore, STALE_RUN } from './prisma-status-store';

async function newPair(db: Database): Promise<string> {
  const tenant = await db.prisma.tenant.create({ data: { name: 't', nextcloudUrl: 'https://cloud.example.org' } });
  const n = Math.random().toString(36).slice(2);
  const user = await db.prisma.user.create({
    data: {
      tenantId: tenant.id,
      ncUserId: `u-${n}`,
      loginName: `u-${n}`,
      appPasswordCiphertext: 'x',
      appPasswordKeyId: 'k1',
    },
  });
  const pair = await db.prisma.collectionPair.create({
    data: { userId: user.id, kind: 'task', aCollectionId: `a-${n}`, bCollectionId: `b-${n}` },
  });
  return pair.id;
}

for (const kind of testBackends) {
  describeStatusStoreContract(kind, async () => {
    const test = await createTestDatabase(kind);
    await migrate(test.db);
    // On PostgreSQL a second pool stands for another replica: the lock must hold across connections.
    const second = test.url ? await openDatabase({ databaseUrl: test.url }) : undefined;
    return {
      store: new PrismaStatusStore(test.db),
      lock: new AdvisoryPairLock(test.db),
      ...(second ? { otherLock: new AdvisoryPairLock(second) } : {}),
      newPair: () => newPair(test.db),
      async dispose() {
        await second?.close();
        await test.dispose();
      },
    };
  });
}

describe.each(testBackends)('a run left `running` (%s)', (kind) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await createTestDatabase(kind);
    await migrate(test.db);
  });
  afterAll(async () => {
    await test?.dispose();
  });

  it('is closed as failed, with why, when the next run of its pair starts (its end was never recorded)', async () => {
    const store = new PrismaStatusStore(test.db);
    const [pair, other] = [await newPair(test.db), await newPair(test.db)];
    const lost = await store.startRun(pair, { dryRun: false });
    const elsewhere = await store.startRun(other, { dryRun: false });
    // The connection that should have recorded `lost`'s end went away: nothing finished it.
    const next = await store.startRun(pair, { dryRun: false });
    const rows = await test.db.query<{ id: string; outcome: string; error: string | null; finished: boolean }>(
      'SELECT id, outcome, error, finished_at IS NOT NULL AS finished FROM sync_runs',
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(lost)).toMatchObject({ outcome: 'failed', finished: true, error: STALE_RUN });
    expect(byId.get(next)).toMatchObject({ outcome: 'running', finished: false });
    // Another pair's run is its own lock's business.
    expect(byId.get(elsewhere)).toMatchObject({ outcome: 'running', finished: false });
  });
});
