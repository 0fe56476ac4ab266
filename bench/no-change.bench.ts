import { noChangeScenario } from '../apps/sync-service/src/testing/no-change';
import { createPostgresDatabase } from '../packages/db/src/testing/test-database';
import { noChangeCycle } from './no-change-cycle';
import { startProfile } from './profile';
import { type Result, result } from './results';

const MAILBOX = { events: 20, contacts: 10, tasks: 5 };
const ROUNDS = 10;

/** `--users N` (default 1,000) and `--concurrency N` (worker loops, default 8) for the many-user cycle. */
function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name}: expected a whole number, got ${value}`);
  return value;
}

/**
 * One user (20 events, 10 contacts, 5 tasks; EWS simulator ⇄ Radicale) synced through the service's API, queue
 * and worker: the CPU and requests of a sync in which nothing changed, on PGlite and PostgreSQL. The simulator
 * answers in this process (the service's own harness), so its three SyncFolderItems answers are inside that
 * figure: an upper bound. The service's own figure is the cycle's: many users on PostgreSQL with the simulator and
 * the DAV server in a process of their own (no-change-cycle.ts), the service's CPU divided by the users.
 */
export async function noChangeBenchmarks(): Promise<Result[]> {
  const results: Result[] = [];
  const users = flag('users', 1000);
  if (process.env.EXSYNC_TEST_POSTGRES !== 'off') {
    const cycle = await noChangeCycle(users, flag('concurrency', 8));
    const label = `no-change cycle of ${users} users (PostgreSQL; simulator and DAV server out of process, ${cycle.concurrency} worker loops)`;
    console.log(
      `${label}: ${(cycle.wallMs / 1000).toFixed(1)} s wall, service CPU ${(cycle.serviceCpuMs / users).toFixed(2)} ms per user ` +
        `(peers ${(cycle.peersCpuMs / users).toFixed(2)} ms), ${cycle.ewsRequests / users} EWS + ${cycle.davRequests / users} DAV requests per user, ` +
        `peak RSS ${cycle.peakRssMiB.toFixed(0)} MiB`,
    );
    results.push(
      result(`${label}: service CPU per user`, 'ms', cycle.serviceCpuMs / users, 5),
      // 10,000 users in 5 minutes, pro rata.
      result(`${label}: wall time`, 's', cycle.wallMs / 1000, (300 * users) / 10_000),
      result(`${label}: service CPU for the whole cycle`, 's', cycle.serviceCpuMs / 1000),
      result(`${label}: simulator and DAV server CPU per user`, 'ms', cycle.peersCpuMs / users),
      result(`${label}: EWS requests per user`, 'requests', cycle.ewsRequests / users, 3),
      result(`${label}: DAV requests per user`, 'requests', cycle.davRequests / users, 2),
      // Issue 14's goal is for 10,000 users; a smaller cycle only reports its figure.
      result(`${label}: service peak RSS`, 'MiB', cycle.peakRssMiB, users >= 10_000 ? 1024 : null),
    );
  }
  if (process.env.BENCH_CYCLE_ONLY) return results;
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
