import { DEFAULT_SYNC_CAPS } from '../apps/sync-service/src/config';
import { createJobQueue } from '../packages/db/src/job-queue';
import { migrate } from '../packages/db/src/migrator';
import { createTestDatabase } from '../packages/db/src/testing/test-database';
import type { Figure } from './run';

const CLAIMS = 200;

/**
 * The job queue on PostgreSQL with 1,000 and 10,000 users' jobs waiting, as after a "sync now" for everyone or a
 * scheduler tick: the cost of a worker's claim and completion, without caps and with the default ones. Every sync
 * starts with a claim, and a process with caps claims one at a time, so this bounds how fast a cycle can go however
 * quick its syncs (a claim once cost ~130 ms at 800 waiting: docs/performance.md).
 */
export async function queueBenchmarks(): Promise<Figure[]> {
  if (process.env.EXSYNC_TEST_POSTGRES === 'off') return [];
  const figures: Figure[] = [];
  for (const waiting of [1_000, 10_000]) {
    const test = await createTestDatabase('postgres');
    try {
      await migrate(test.db);
      const tenant = await test.db.prisma.tenant.create({
        data: { name: 'Queue', nextcloudUrl: 'https://cloud.example.org/' },
      });
      await test.db.prisma.user.createMany({
        data: Array.from({ length: waiting }, (_, i) => ({
          tenantId: tenant.id,
          ncUserId: `u${i}`,
          loginName: `u${i}`,
          appPasswordCiphertext: 'x',
          appPasswordKeyId: 'k',
        })),
      });
      for (const [label, limits] of [
        ['no caps', {}],
        ['default caps', DEFAULT_SYNC_CAPS],
      ] as const) {
        const queue = createJobQueue(test.db, limits);
        await queue.start();
        // Every user not waiting already (the first round's claimed ones, completed) is queued again: `waiting` jobs.
        await queue.enqueueDue(tenant.id, { states: ['active'], now: new Date(), intervalMinutes: 60 });
        const started = performance.now();
        for (let i = 0; i < CLAIMS; i++) {
          const job = await queue.claim(60_000);
          if (!job) throw new Error(`no job to claim after ${i} of ${waiting}`);
          await queue.complete(job);
        }
        const ms = performance.now() - started;
        console.log(`queue, ${waiting} jobs waiting, ${label}: ${(ms / CLAIMS).toFixed(2)} ms a claim and completion`);
        figures.push({ name: `claim + complete, ${waiting} waiting, ${label} (PostgreSQL)`, items: CLAIMS, ms });
      }
    } finally {
      await test.dispose();
    }
  }
  return figures;
}
