import { describeStatusStoreContract } from '@exsync/core/engine/testing';
import { migrate } from '../migrator';
import { type Database, openDatabase } from '../open-database';
import { createTestDatabase, testBackends } from '../testing/test-database';
import { AdvisoryPairLock } from './advisory-pair-lock';
import { PrismaStatusStore } from './prisma-status-store';

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
