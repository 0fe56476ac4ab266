import { noChangeScenario } from '../apps/sync-service/src/testing/no-change';
import { createPostgresDatabase } from '../packages/db/src/testing/test-database';
import { startProfile } from './profile';
import { type Result, result } from './results';

const MAILBOX = { events: 20, contacts: 10, tasks: 5 };
const ROUNDS = 10;

/**
 * One user (20 events, 10 contacts, 5 tasks; EWS simulator ⇄ Radicale) synced through the service's API, queue
 * and worker: the CPU and requests of a sync in which nothing changed, on PGlite and PostgreSQL. The simulator
 * answers in this process (the service's own harness), so its three SyncFolderItems answers are inside the figure:
 * an upper bound of the service's own cost.
 */
export async function noChangeBenchmarks(): Promise<Result[]> {
  const results: Result[] = [];
  const backends: { name: string; url?: string; drop?: () => Promise<void> }[] = [{ name: 'PGlite' }];
  if (process.env.EXSYNC_TEST_POSTGRES !== 'off') {
    const pg = await createPostgresDatabase();
    backends.push({ name: 'PostgreSQL', url: pg.url, drop: pg.drop });
  }
  for (const backend of backends) {
    const scenario = await noChangeScenario({
      mailbox: MAILBOX,
      ...(backend.url ? { databaseUrl: backend.url } : {}),
    });
    try {
      await scenario.sync(); // first: discovery and the copy
      await scenario.sync(); // our own writes echo back
      const cpu: number[] = [];
      const wall: number[] = [];
      let requests = { exchange: 0, dav: 0 };
      const profile = process.env.BENCH_PROFILE ? await startProfile() : undefined;
      for (let i = 0; i < ROUNDS; i++) {
        const before = process.cpuUsage();
        const started = performance.now();
        requests = await scenario.sync();
        wall.push(performance.now() - started);
        const used = process.cpuUsage(before);
        cpu.push((used.user + used.system) / 1000);
      }
      await profile?.(`${process.env.BENCH_PROFILE}/no-change-${backend.name}.cpuprofile`);
      const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
      console.log(
        `no-change sync of one user, ${backend.name}: median ${median(cpu).toFixed(1)} ms CPU, ` +
          `${median(wall).toFixed(1)} ms wall; ${requests.exchange} EWS + ${requests.dav} DAV requests`,
      );
      const label = `no-change sync of one user (events, contacts, tasks), ${backend.name}`;
      results.push(
        result(`${label}: service CPU (median, incl. the in-process simulator)`, 'ms', median(cpu), 5),
        result(`${label}: EWS requests`, 'requests', requests.exchange, 3),
        result(`${label}: DAV requests`, 'requests', requests.dav, 2),
      );
    } finally {
      await scenario.close();
      await backend.drop?.();
    }
  }
  return results;
}

