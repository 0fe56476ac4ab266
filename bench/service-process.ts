import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Agent, createServer, request, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import type { RunningDavServer } from '../packages/dav/src/testing/dav-servers';
import { openDatabase } from '../packages/db/src/open-database';
import { createPostgresDatabase } from '../packages/db/src/testing/test-database';
import { DAV_PASSWORD, davUser, mailboxAddress, SIM_APP, SIM_SERVICE } from './mailbox-layout';
import { processCpuMs, processPeakRssMiB, processRssMiB } from './proc';
import type { SimProcess } from './sim-process';

const NEXTCLOUD_PREFIX = '/remote.php/dav';
const ROOT = join(import.meta.dirname, '..');

/** What one cycle (every user synced once) cost the service process. */
export interface Cycle {
  readonly wallMs: number;
  /** The service process's CPU over the cycle (/proc: all its threads, incl. the API answering the triggers). */
  readonly cpuMs: number;
}

export interface ServiceUnderTest {
  readonly pid: number;
  /** Syncs every user once (one POST …/sync each, as "sync now"), and waits until the queue is empty. */
  cycle(): Promise<Cycle>;
  /** Users per state (`active`, `error`, …) as the API counts them. */
  states(): Promise<Record<string, number>>;
  /** The service process's peak resident set so far (VmHWM), MiB. */
  peakRssMiB(): number;
  /** Its resident set now (VmRSS), MiB. */
  rssMiB(): number;
  stop(): Promise<void>;
}

/**
 * The real service (`exsync serve`, its own process, PostgreSQL) with one tenant of `users` users against the
 * simulator and Radicale. Radicale is reached through a small proxy here that maps Nextcloud's `/remote.php/dav/`
 * onto Radicale's root (X-Script-Name, Radicale's reverse-proxy header), so the service runs unmodified, as it
 * would against Nextcloud; the proxy's cost is this process's, not the service's.
 */
export async function startService(options: {
  readonly users: number;
  readonly face: 'ews' | 'graph';
  readonly sim: SimProcess;
  readonly radicale: RunningDavServer;
}): Promise<ServiceUnderTest> {
  const { users, sim, radicale } = options;
  // Every user's own Radicale login (Radicale re-reads its htpasswd file at each login).
  writeFileSync(
    join(radicale.dataDir, 'users'),
    Array.from({ length: users }, (_, u) => `${davUser(u)}:${DAV_PASSWORD}\n`).join(''),
  );
  const proxy = await startNextcloudProxy(radicale.baseUrl);
  const database = await createPostgresDatabase();
  const adminKey = randomBytes(24).toString('hex');
  const port = await freePortInRange();
  // BENCH_SERVICE_PROF=<dir>: the service writes a V8 CPU profile there when it stops (open it in Chrome DevTools).
  const profile = process.env.BENCH_SERVICE_PROF
    ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_SERVICE_PROF]
    : [];
  const cli = join(ROOT, 'apps/sync-service/src/cli.ts');
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', cli, 'serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: database.url,
      EXSYNC_SECRET_KEY: randomBytes(32).toString('base64'),
      EXSYNC_ADMIN_KEY: adminKey,
      LOG_LEVEL: process.env.BENCH_SERVICE_LOG_LEVEL ?? 'warn',
    },
    stdio: ['ignore', process.env.BENCH_VERBOSE ? 'inherit' : 'ignore', 'inherit'],
  });
  let db: Awaited<ReturnType<typeof openDatabase>> | undefined;
  const stop = async () => {
    await end(child);
    await db?.close();
    await new Promise((done) => proxy.server.close(done));
    proxy.agent.destroy();
    await database.drop();
  };
  try {
    const base = await listening(`http://127.0.0.1:${port}`, child);
    const api = async (method: string, path: string, key: string, body?: unknown) => {
      const res = await fetch(`${base}/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      if (res.status >= 300) throw new Error(`${method} ${path}: HTTP ${res.status} ${text.slice(0, 500)}`);
      return text ? JSON.parse(text) : undefined;
    };
    const tenant = await api('POST', '/tenants', adminKey, { name: 'Contoso', nextcloudUrl: `${proxy.url}/` });
    const key = (await api('POST', `/tenants/${tenant.id}/api-keys`, adminKey, { label: 'bench' })).key as string;
    await api(
      'PUT',
      '/exchange-connection',
      key,
      options.face === 'ews'
        ? {
            kind: 'ews',
            url: sim.ews,
            authKind: 'basic',
            username: `${SIM_SERVICE.domain}\\${SIM_SERVICE.username}`,
            password: SIM_SERVICE.password,
          }
        : {
            kind: 'graph',
            url: sim.base,
            authority: sim.base,
            entraTenantId: sim.tenantId,
            clientId: SIM_APP.clientId,
            authKind: 'client_secret',
            clientSecret: SIM_APP.clientSecret,
          },
    );
    for (let from = 0; from < users; from += 1000) {
      const batch = Array.from({ length: Math.min(1000, users - from) }, (_, i) => ({
        ncUserId: davUser(from + i),
        loginName: davUser(from + i),
        appPassword: DAV_PASSWORD,
        mailbox: mailboxAddress(from + i),
      }));
      await api('POST', '/users/bulk', key, { users: batch });
    }
    db = await openDatabase({ databaseUrl: database.url, dataDir: ROOT });
    const queued = async () =>
      (await db!.query<{ n: number }>('SELECT count(*)::int AS n FROM exsync_jobs.sync_jobs'))[0]?.n ?? 0;
    const pid = child.pid!;
    return {
      pid,
      async cycle() {
        const cpuBefore = processCpuMs(pid);
        const started = performance.now();
        // A few triggers in flight: the API answers each after enqueueing, so this is how fast it takes them.
        let next = 0;
        const trigger = async () => {
          for (let u = next++; u < users; u = next++) await api('POST', `/users/${davUser(u)}/sync`, key, {});
        };
        await Promise.all(Array.from({ length: 8 }, trigger));
        while ((await queued()) > 0) {
          if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode}`);
          await new Promise((done) => setTimeout(done, 200));
        }
        return { wallMs: performance.now() - started, cpuMs: processCpuMs(pid) - cpuBefore };
      },
      async states() {
        return ((await api('GET', '/user-counts', key)) as { counts: Record<string, number> }).counts;
      },
      peakRssMiB: () => processPeakRssMiB(pid),
      rssMiB: () => processRssMiB(pid),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Waits until the service answers /healthz (its log stays at `warn`, as quiet as a production service). */
async function listening(base: string, child: ChildProcess): Promise<string> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode} before listening`);
    try {
      const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return base;
    } catch {
      // not yet
    }
    await new Promise((done) => setTimeout(done, 200));
  }
  throw new Error('the service did not listen within 60 s');
}

/** A free port of the benchmark's range (47000-47999), so parallel benchmarks of other engineers do not collide. */
async function freePortInRange(): Promise<number> {
  const first = 47_000 + Math.floor(Math.random() * 1000);
  for (let i = 0; i < 1000; i++) {
    const port = 47_000 + ((first - 47_000 + i) % 1000);
    const free = await new Promise<boolean>((done) => {
      const probe = createNetServer();
      probe.once('error', () => done(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => done(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port in 47000-47999');
}

async function end(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((done) => setTimeout(done, 15_000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** Serves Radicale under Nextcloud's DAV root: strips `/remote.php/dav` and tells Radicale so (X-Script-Name). */
async function startNextcloudProxy(radicaleUrl: string): Promise<{ url: string; server: Server; agent: Agent }> {
  const target = new URL(radicaleUrl);
  const agent = new Agent({ keepAlive: true });
  const server = createServer((req, res) => {
    const path = req.url?.startsWith(NEXTCLOUD_PREFIX) ? req.url.slice(NEXTCLOUD_PREFIX.length) || '/' : req.url;
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path,
        agent,
        headers: { ...req.headers, host: target.host, 'x-script-name': NEXTCLOUD_PREFIX },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, server, agent };
}
