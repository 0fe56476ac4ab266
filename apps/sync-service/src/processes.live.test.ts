import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSimulator, type SimulatorHandle } from '@exsync/exchange-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveSkipReason, type RunningDavServer, startRadicale } from '../../../packages/dav/src/testing/dav-servers';
import { createThrowawayPostgres, WITH_POSTGRES } from './testing/harness';

/**
 * The processes as an operator runs them: one `exsync api` and two `exsync worker` (child processes, the real
 * command) on one PostgreSQL sync USERS users from the EWS simulator into Radicale. No user is synced by two
 * processes at once, and no event is written twice.
 */
const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'exsync.js');
const USERS = Number(process.env.EXSYNC_TEST_PROCESS_USERS ?? 40);
const EVENTS = 3;
const skip = !WITH_POSTGRES || liveSkipReason('radicale');

interface Proc {
  readonly child: ChildProcess;
  output(): string;
  readonly exited: Promise<number | null>;
}

function run(args: string[], env: Record<string, string>, cwd?: string): Proc {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(cwd ? { cwd } : {}),
  });
  let text = '';
  child.stdout?.on('data', (d) => {
    text += String(d);
  });
  child.stderr?.on('data', (d) => {
    text += String(d);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => text, exited };
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Radicale behind Nextcloud's path (/remote.php/dav/), so the service discovers it as it would a Nextcloud. */
function nextcloudPathProxy(target: URL): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').replace(/^\/remote\.php\/dav/, '') || '/';
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path,
        headers: { ...req.headers, host: target.host, 'x-script-name': '/remote.php/dav' },
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      done({ url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`, server });
    }),
  );
}

describe.skipIf(skip)(`exsync api + 2 × exsync worker on one PostgreSQL (${USERS} users)`, () => {
  let pg: Awaited<ReturnType<typeof createThrowawayPostgres>>;
  let radicale: RunningDavServer;
  let proxy: { url: string; server: Server };
  let exchange: SimulatorHandle;
  const procs: Proc[] = [];
  let env: Record<string, string>;
  let api: string;
  let tenantKey: string;
  const adminKey = randomBytes(32).toString('base64url');
  const users = Array.from({ length: USERS }, (_, i) => `user${String(i).padStart(3, '0')}`);

  beforeAll(async () => {
    pg = await createThrowawayPostgres();
    radicale = await startRadicale('user000', 'pw-user000');
    // Radicale reads its htpasswd file on every login: the other users can be added now.
    await appendFile(
      join(radicale.dataDir, 'users'),
      users
        .slice(1)
        .map((u) => `${u}:pw-${u}\n`)
        .join(''),
    );
    proxy = await nextcloudPathProxy(new URL(radicale.baseUrl));
    exchange = createSimulator({ seed: 'exsync-processes' });
    const mailboxes = users.map((u) => `${u}@contoso.com`);
    for (const m of mailboxes) exchange.sim.store.createMailbox({ smtpAddress: m, displayName: m });
    exchange.sim.directory.addServiceAccount({
      username: 'svc-sync',
      password: 'Passw0rd!',
      domain: 'CONTOSO',
      impersonation: mailboxes,
    });
    const urls = await exchange.listen(0);
    const start = Date.now() + 2 * 86_400_000;
    for (const m of mailboxes) {
      const calendar = exchange.sim.store.distinguishedFolder(m, 'calendar').id;
      for (let i = 0; i < EVENTS; i++) {
        exchange.sim.store.createEvent(calendar, {
          subject: `${m} ${i}`,
          start: start + i * 3_600_000,
          end: start + (i + 1) * 3_600_000,
        });
      }
    }

    env = {
      DATABASE_URL: pg.url,
      EXSYNC_SECRET_KEY: randomBytes(32).toString('base64'),
      EXSYNC_ADMIN_KEY: adminKey,
      PORT: '0',
      LOG_LEVEL: 'info',
    };
    const apiProc = run(['api'], env);
    procs.push(apiProc);
    api = await until(
      'the api listening',
      () => /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(apiProc.output())?.[1] ?? failIfExited(apiProc),
      120_000,
    );
    const call = async (method: string, path: string, key: string, body?: unknown) => {
      const r = await fetch(`${api}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const json = (await r.json()) as Record<string, unknown>;
      if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(json)}`);
      return json;
    };
    const tenant = await call('POST', '/v1/tenants', adminKey, {
      name: 'Contoso',
      nextcloudUrl: `${proxy.url}/remote.php/dav`,
    });
    const issued = await call('POST', `/v1/tenants/${tenant.id}/api-keys`, adminKey, { label: 'nextcloud' });
    tenantKey = String(issued.key);
    await call('PUT', '/v1/settings', tenantKey, {
      intervalMinutes: 1440,
      itemKinds: {
        events: { enabled: true, direction: 'two-way' },
        contacts: { enabled: false, direction: 'two-way' },
        tasks: { enabled: false, direction: 'two-way' },
      },
    });
    await call('PUT', '/v1/exchange-connection', tenantKey, {
      kind: 'ews',
      url: urls.ews,
      authKind: 'basic',
      username: 'CONTOSO\\svc-sync',
      password: 'Passw0rd!',
    });
    await call('POST', '/v1/users/bulk', tenantKey, {
      users: users.map((u) => ({ ncUserId: u, loginName: u, appPassword: `pw-${u}`, mailbox: `${u}@contoso.com` })),
    });
  }, 240_000);

  afterAll(async () => {
    for (const p of procs) {
      if (p.child.exitCode === null) p.child.kill('SIGTERM');
    }
    await Promise.all(procs.map((p) => Promise.race([p.exited, new Promise((r) => setTimeout(r, 12_000))])));
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await exchange?.close();
    proxy?.server.close();
    await radicale?.stop();
    await pg?.drop();
  });

  function failIfExited(p: Proc): undefined {
    if (p.child.exitCode !== null) throw new Error(`exited early:\n${p.output()}`);
    return undefined;
  }

  it('every user is synced once, by one of the workers, never twice at once; no event is written twice', async () => {
    const workers = [0, 1].map(() => run(['worker'], { ...env, EXSYNC_WORKER_CONCURRENCY: '3' }));
    procs.push(...workers);
    const get = async (path: string) =>
      (await (await fetch(`${api}${path}`, { headers: { authorization: `Bearer ${tenantKey}` } })).json()) as {
        items: { ncUserId: string; lastSyncAt: string | null; state: string }[];
      };
    const started = Date.now();
    const listed = await until(
      'every user synced',
      async () => {
        for (const w of workers) failIfExited(w);
        const page = await get('/v1/users?limit=1000');
        return page.items.every((u) => u.lastSyncAt !== null) ? page.items : undefined;
      },
      300_000,
    );
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(`${USERS} users synced by 2 workers in ${seconds.toFixed(1)} s\n`);
    expect(listed.map((u) => u.state)).toEqual(users.map(() => 'active'));

    // Both workers took a share (the queue hands each job to one of them).
    const syncedBy = workers.map(
      (w) => new Set([...w.output().matchAll(/"ncUserId":"(user\d+)"[^\n]*"pair synced"/g)].map((m) => m[1])),
    );
    expect(syncedBy[0]?.size).toBeGreaterThan(0);
    expect(syncedBy[1]?.size).toBeGreaterThan(0);
    expect([...(syncedBy[0] ?? [])].filter((u) => syncedBy[1]?.has(u))).toEqual([]);
    expect((syncedBy[0]?.size ?? 0) + (syncedBy[1]?.size ?? 0)).toBe(USERS);

    // A worker's port serves its metrics (and no API route).
    for (const w of workers) {
      const url = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(w.output())?.[1];
      const scraped = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${adminKey}` } });
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toMatch(/exsync_runs_total\{kind="events",outcome="success"\} [1-9]/);
      const api = await fetch(`${url}/v1/users`, { headers: { authorization: `Bearer ${tenantKey}` } });
      expect(api.status).toBe(404);
    }

    // One run per user, and runs of one user never overlap.
    for (const u of users) {
      const runs = (await get(`/v1/users/${u}/runs?limit=100`)) as unknown as {
        items: { startedAt: string; finishedAt: string | null; outcome: string }[];
      };
      expect(
        runs.items.map((r) => r.outcome),
        u,
      ).toEqual(['success']);
    }
    // Exactly EVENTS calendar objects per user in Radicale: nothing written twice.
    for (const u of users) {
      const dir = join(radicale.dataDir, 'collections', 'collection-root', u);
      const [calendar] = (await readdir(dir)).filter((n) => !n.startsWith('.'));
      const objects = (await readdir(join(dir, calendar ?? ''))).filter((n) => n.endsWith('.ics'));
      expect(objects, u).toHaveLength(EVENTS);
    }
  }, 360_000);
});

describe('.env in the working directory', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'exsync-dotenv-'));
    await writeFile(join(dir, '.env'), 'LOG_LEVEL=loud\nEXSYNC_WORKER_CONCURRENCY=7\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is read at start (its bad LOG_LEVEL stops the command, named)', async () => {
    const p = run(['migrate'], { EXSYNC_DATA_DIR: join(dir, 'data') }, dir);
    expect(await p.exited).toBe(1);
    expect(p.output()).toContain('LOG_LEVEL: expected one of');
    expect(p.output()).toContain('EXSYNC_WORKER_CONCURRENCY: expected 1 with the embedded database');
  }, 60_000);

  it('loses to the environment: a variable already set is not overwritten', async () => {
    const p = run(['migrate'], { EXSYNC_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'silent' }, dir);
    expect(await p.exited).toBe(1);
    expect(p.output()).not.toContain('LOG_LEVEL');
    expect(p.output()).toContain('EXSYNC_WORKER_CONCURRENCY');
  }, 60_000);
});
