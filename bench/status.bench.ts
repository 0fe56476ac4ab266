import { defaultPolicy, syncPair } from '@exsync/core';
import { MemoryStore, sampleEvent } from '@exsync/core/testing';
import { migrate } from '../packages/db/src/migrator';
import type { DatabaseKind } from '../packages/db/src/open-database';
import { AdvisoryPairLock, PrismaStatusStore } from '../packages/db/src/status-store';
import { createTestDatabase, testBackends } from '../packages/db/src/testing/test-database';
import type { Figure } from './run';

const WINDOW = { start: '2026-01-01T00:00:00Z', end: '2027-01-01T00:00:00Z' };
const ITEMS = 1_000;

/**
 * The engine over the real status store (embedded PGlite, and PostgreSQL unless EXSYNC_TEST_POSTGRES=off): a first
 * run of 1,000 events, a no-change run, and the bytes `item_links` holds per item (table, TOAST and indexes).
 */
export async function statusBenchmarks(): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const kind of testBackends) figures.push(...(await onBackend(kind)));
  return figures;
}

async function onBackend(kind: DatabaseKind): Promise<Figure[]> {
  const name = kind === 'pglite' ? 'PGlite' : 'PostgreSQL';
  const test = await createTestDatabase(kind);
  try {
    await migrate(test.db);
    const prisma = test.db.prisma;
    const tenant = await prisma.tenant.create({ data: { name: 't', nextcloudUrl: 'https://cloud.example.org' } });
    const user = await prisma.user.create({
      data: { tenantId: tenant.id, ncUserId: 'u', loginName: 'u', appPasswordCiphertext: 'x', appPasswordKeyId: 'k' },
    });
    const pair = await prisma.collectionPair.create({
      data: { userId: user.id, kind: 'event', aCollectionId: 'a', bCollectionId: 'b' },
    });
    const a = new MemoryStore({ pageSize: 500 });
    const b = new MemoryStore({ pageSize: 500 });
    for (let i = 0; i < ITEMS; i++) {
      a.put(sampleEvent(`uid-${i}`, `2026-06-${String(1 + (i % 28)).padStart(2, '0')}T09:00:00Z`));
    }
    const deps = { a, b, status: new PrismaStatusStore(test.db), lock: new AdvisoryPairLock(test.db) };
    const options = { pair: pair.id, policy: defaultPolicy('a'), window: WINDOW };
    const first = await timed(`engine first run, ${name} status store (${ITEMS} items)`, ITEMS, () =>
      syncPair(deps, options),
    );
    const idle = await timed(`engine no-change run, ${name} status store (${ITEMS} items)`, ITEMS, () =>
      syncPair(deps, options),
    );
    // The pair's reference (what its rows are coded against, on collection_pairs) counts too, shared out.
    const [size] = await test.db.query<{ bytes: number; rows: number; reference: number }>(
      `SELECT pg_total_relation_size('item_links')::int AS bytes, (SELECT count(*)::int FROM item_links) AS rows,
         (SELECT coalesce(sum(pg_column_size(link_reference)), 0)::int FROM collection_pairs) AS reference`,
    );
    const perItem = (size!.bytes + size!.reference) / size!.rows;
    await test.db.query('VACUUM FULL item_links');
    const [vacuumed] = await test.db.query<{ bytes: number }>(
      `SELECT pg_total_relation_size('item_links')::int AS bytes`,
    );
    console.log(
      `item_links on ${name}: ${perItem.toFixed(0)} bytes per item (table, TOAST and indexes; goal ≤ 600), ` +
        `${((vacuumed!.bytes + size!.reference) / size!.rows).toFixed(0)} after VACUUM FULL`,
    );
    return [first, idle];
  } finally {
    await test.dispose();
  }
}

async function timed(name: string, items: number, run: () => Promise<{ outcome: string }>): Promise<Figure> {
  const started = performance.now();
  const report = await run();
  const ms = performance.now() - started;
  if (report.outcome !== 'success') throw new Error(`${name}: run ended ${report.outcome}`);
  return { name, items, ms };
}
