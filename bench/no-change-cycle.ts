/**
 * The many-user no-change cycle: this process is the service (PostgreSQL, the real queue, scheduler and worker);
 * the Exchange simulator and the fake Nextcloud run in child processes (no-change-servers.ts), so the CPU counted
 * here is the service's alone. Users are enrolled through the API, synced twice (the copy, then our own writes
 * echoing back), then a third cycle — nothing changed anywhere — is measured: the scheduler enqueues every user as
 * due, the worker syncs them all, and the cycle's service CPU and wall time are divided by the users.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { createSyncRuntime, type SyncRuntime } from '../apps/sync-service/src/jobs/sync-runtime';
import { createLogger } from '../apps/sync-service/src/logger';
import { bearer, createTenant, startTestApp, type TestApp } from '../apps/sync-service/src/testing/harness';
import { createPostgresDatabase } from '../packages/db/src/testing/test-database';
import { APP_PASSWORD, benchUser } from './no-change-servers';
import { startProfile } from './profile';

export interface CycleFigures {
  readonly users: number;
  readonly concurrency: number;
  /** The measured (third) cycle. */
  readonly wallMs: number;
  readonly serviceCpuMs: number;
  readonly peersCpuMs: number;
  readonly ewsRequests: number;
  readonly davRequests: number;
  /** This process's peak resident set over enrolment and the three cycles: it is the service (API, queue, worker). */
  readonly peakRssMiB: number;
}

interface Peers {
  readonly urls: { ews: string; dav: string };
  stats(): Promise<{ cpuMs: number; ews: number; dav: number }>;
  stop(): void;
}

/** The simulator and the fake Nextcloud, each in a process of its own (`no-change-servers.ts`). */
async function startPeers(users: number): Promise<Peers> {
  const [exchange, nextcloud] = await Promise.all([startPeer('exchange', users), startPeer('nextcloud', users)]);
  return {
    urls: { ews: exchange.urls.ews!, dav: nextcloud.urls.dav! },
    async stats() {
      const [e, n] = await Promise.all([exchange.stats(), nextcloud.stats()]);
      return { cpuMs: e.cpuMs + n.cpuMs, ews: e.requests, dav: n.requests };
    },
    stop() {
      exchange.stop();
      nextcloud.stop();
    },
  };
}

async function startPeer(peer: 'exchange' | 'nextcloud', users: number) {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('./no-change-servers.ts', import.meta.url).pathname],
    { env: { ...process.env, USERS: String(users), PEER: peer }, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => {
    const line = await lines.next();
    if (line.done) throw new Error(`the ${peer} process ended`);
    return JSON.parse(line.value);
  };
  const urls = (await next()) as { ews?: string; dav?: string };
  return {
    urls,
    async stats(): Promise<{ cpuMs: number; requests: number }> {
      child.stdin!.write('stats\n');
      return next();
    },
    stop: () => child.kill('SIGTERM'),
  };
}

/** Runs the cycle; `users` users of a few items each (the no-change cost does not grow with the items). */
export async function noChangeCycle(users: number, concurrency: number): Promise<CycleFigures> {
  const pg = await createPostgresDatabase();
  const peers = await startPeers(users);
  let t: TestApp | undefined;
  let runtime: SyncRuntime | undefined;
  try {
    t = await startTestApp({ databaseUrl: pg.url });
    const app = t;
    const tenant = await createTenant(app, 'Contoso');
    const call = async (method: 'PUT' | 'PATCH', url: string, payload: Record<string, unknown>, key = tenant.key) => {
      const r = await app.app.inject({ method, url, headers: bearer(key), payload });
      if (r.statusCode >= 300) throw new Error(`${method} ${url}: ${r.statusCode} ${r.body}`);
    };
    await call('PATCH', `/v1/tenants/${tenant.id}`, { nextcloudUrl: peers.urls.dav }, app.adminKey);
    await call('PUT', '/v1/exchange-connection', {
      kind: 'ews',
      url: peers.urls.ews,
      authKind: 'basic',
      username: 'CONTOSO\\svc-sync',
      password: 'Passw0rd!',
    });
    for (let n = 0; n < users; n++) {
      const { login, mailbox } = benchUser(n);
      await call('PUT', `/v1/users/${login}`, { loginName: login, appPassword: APP_PASSWORD, mailbox });
    }
    // The service as it runs: its logger at info into a sink (a line per pair is part of a sync's cost).
    const sink = new Writable({ write: (_chunk, _enc, done) => done() });
    runtime = createSyncRuntime({
      db: app.db,
      vault: app.vault,
      logger: createLogger('info', sink as never),
      worker: { concurrency, pollMs: 50 },
    });
    await runtime.prepare();
    const cycle = async (at: Date) => {
      const peersBefore = await peers.stats();
      const before = process.cpuUsage();
      const started = performance.now();
      await runtime!.scheduler.tick(at);
      const profile =
        process.env.BENCH_PROFILE && at.getTime() > Date.now() + 20 * 3_600_000 ? await startProfile() : undefined;
      runtime!.worker.start();
      for (;;) {
        await new Promise((r) => setTimeout(r, 100));
        const [left] = await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM exsync_jobs.sync_jobs');
        if (left?.n === 0) break;
      }
      await runtime!.worker.stop(1000);
      await profile?.(`${process.env.BENCH_PROFILE}/no-change-cycle.cpuprofile`);
      const wallMs = performance.now() - started;
      const used = process.cpuUsage(before);
      const peersAfter = await peers.stats();
      return {
        wallMs,
        serviceCpuMs: (used.user + used.system) / 1000,
        peersCpuMs: peersAfter.cpuMs - peersBefore.cpuMs,
        ewsRequests: peersAfter.ews - peersBefore.ews,
        davRequests: peersAfter.dav - peersBefore.dav,
      };
    };
    const hour = 3_600_000;
    const first = await cycle(new Date(Date.now() + 7 * hour));
    console.log(`cycle 1 (initial copy) of ${users} users: ${(first.wallMs / 1000).toFixed(1)} s wall`);
    // A worker that was stopped starts again only through a new runtime: the loops ended with its stop signal.
    const rounds: Awaited<ReturnType<typeof cycle>>[] = [];
    for (const at of [14, 21]) {
      await runtime.stop(1000);
      runtime = createSyncRuntime({
        db: app.db,
        vault: app.vault,
        logger: createLogger('info', sink as never),
        worker: { concurrency, pollMs: 50 },
      });
      await runtime.prepare();
      rounds.push(await cycle(new Date(Date.now() + at * hour)));
    }
    const measured = rounds[1]!;
    return { users, concurrency, ...measured, peakRssMiB: process.resourceUsage().maxRSS / 1024 };
  } finally {
    await runtime?.stop(1000);
    await t?.close();
    peers.stop();
    await pg.drop();
  }
}
