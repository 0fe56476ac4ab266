import { randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSimulator, type SimulatorHandle } from '@exsync/exchange-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveSkipReason, type RunningDavServer, startRadicale } from '../../../packages/dav/src/testing/dav-servers';
import { createThrowawayPostgres, WITH_POSTGRES } from './testing/harness';
import {
  callApi,
  type ExsyncProcess,
  failIfExited,
  listeningUrl,
  nextcloudPathProxy,
  setUpTenant,
  spawnExsync,
  stopProcesses,
  until,
} from './testing/processes';

/**
 * The processes as an operator runs them: one `exsync api` and two `exsync worker` (child processes, the real
 * command) on one PostgreSQL sync USERS users from the EWS simulator into Radicale, twice: the first sync the
 * scheduler's, the second asked for every user at once through the API. Every user is synced exactly once per
 * sync, by one process at a time (no two runs of a user overlap), and no event is written twice.
 */
const USERS = Number(process.env.EXSYNC_TEST_PROCESS_USERS ?? 200);
const EVENTS = 3;
const skip = !WITH_POSTGRES || liveSkipReason('radicale');

interface Run {
  startedAt: string;
  finishedAt: string | null;
  outcome: string;
  counts: Record<string, unknown>;
}

describe.skipIf(skip)(`exsync api + 2 × exsync worker on one PostgreSQL (${USERS} users)`, () => {
  let pg: Awaited<ReturnType<typeof createThrowawayPostgres>>;
  let radicale: RunningDavServer;
  let proxy: { url: string; server: Server };
  let exchange: SimulatorHandle;
  const procs: ExsyncProcess[] = [];
  let env: Record<string, string>;
  let api: string;
  let tenantKey: string;
  const adminKey = randomBytes(32).toString('base64url');
  const users = Array.from({ length: USERS }, (_, i) => `user${String(i).padStart(3, '0')}`);
  const subjects = (u: string) => Array.from({ length: EVENTS }, (_, i) => `${u}@contoso.com ${i}`);

  beforeAll(async () => {
    pg = await createThrowawayPostgres();
    env = {
      DATABASE_URL: pg.url,
      EXSYNC_SECRET_KEY: randomBytes(32).toString('base64'),
      EXSYNC_ADMIN_KEY: adminKey,
      PORT: '0',
      LOG_LEVEL: 'info',
    };
    // The API compiles and starts (seconds on a busy machine) while Radicale and the simulator are set up.
    const apiProc = spawnExsync(['api'], env);
    procs.push(apiProc);
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
    for (const u of users) {
      const calendar = exchange.sim.store.distinguishedFolder(`${u}@contoso.com`, 'calendar').id;
      for (const [i, subject] of subjects(u).entries()) {
        exchange.sim.store.createEvent(calendar, {
          subject,
          start: start + i * 3_600_000,
          end: start + (i + 1) * 3_600_000,
        });
      }
    }

    api = await listeningUrl(apiProc);
    tenantKey = await setUpTenant(api, adminKey, {
      nextcloudUrl: `${proxy.url}/remote.php/dav`,
      ewsUrl: urls.ews,
      kinds: ['events'],
    });
    await callApi(api, 'POST', '/v1/users/bulk', tenantKey, {
      users: users.map((u) => ({ ncUserId: u, loginName: u, appPassword: `pw-${u}`, mailbox: `${u}@contoso.com` })),
    });
  }, 240_000);

  afterAll(async () => {
    await stopProcesses(procs);
    await exchange?.close();
    proxy?.server.close();
    await radicale?.stop();
    await pg?.drop();
  });

  it('every user is synced once per sync, by one process at a time; no event is written twice', async () => {
    const workers = [0, 1].map(() => spawnExsync(['worker'], { ...env, EXSYNC_WORKER_CONCURRENCY: '3' }));
    procs.push(...workers);
    const get = <T>(path: string) => callApi<{ items: T[] }>(api, 'GET', path, tenantKey);
    // Both rounds are watched through one list call a second: each returns every user, and polling faster only
    // takes CPU from the workers on a small machine.
    const allSynced = (round: number) =>
      until(
        `every user synced ${round} time(s)`,
        async () => {
          for (const w of workers) failIfExited(w);
          const page = await get<{ ncUserId: string; lastSyncAt: string | null; state: string }>(
            '/v1/users?limit=1000',
          );
          return page.items.length === USERS && page.items.every((u) => synced(u.lastSyncAt) >= round)
            ? page.items
            : undefined;
        },
        300_000,
        1000,
      );
    const marks: number[] = [];
    const synced = (at: string | null) => marks.filter((m) => at !== null && Date.parse(at) > m).length;

    // Round 1: the workers' schedulers find every user due (never synced).
    marks.push(0);
    const started = Date.now();
    const first = await allSynced(1);
    const firstSeconds = (Date.now() - started) / 1000;
    expect(first.map((u) => u.state)).toEqual(users.map(() => 'active'));

    // Round 2: "sync now" for every user, asked at once through the API, while both workers run.
    marks.push(Date.now());
    const asked = Date.now();
    await Promise.all(users.map((u) => callApi(api, 'POST', `/v1/users/${u}/sync`, tenantKey, {})));
    await allSynced(2);
    const secondSeconds = (Date.now() - asked) / 1000;
    process.stdout.write(
      `${USERS} users synced by 2 workers: first sync ${firstSeconds.toFixed(1)} s, second ${secondSeconds.toFixed(1)} s\n`,
    );

    // Both workers took a share, and each sync of a user was done by exactly one process.
    const syncedBy = workers.map((w) =>
      [...w.output().matchAll(/"ncUserId":"(user\d+)"[^\n]*"pair synced"/g)].map((m) => m[1] ?? ''),
    );
    expect(syncedBy[0]?.length).toBeGreaterThan(0);
    expect(syncedBy[1]?.length).toBeGreaterThan(0);
    const times = new Map<string, number>();
    for (const u of syncedBy.flat()) times.set(u, (times.get(u) ?? 0) + 1);
    const wrong = [...times.entries()].filter(([, n]) => n !== 2);
    const linesOf = (u: string) =>
      workers.flatMap((w, i) =>
        w
          .output()
          .split('\n')
          .filter((l) => l.includes(`"${u}"`))
          .map((l) => `worker ${i}: ${l}`),
      );
    expect(wrong, wrong.flatMap(([u]) => linesOf(u)).join('\n')).toEqual([]);
    expect(times.size).toBe(USERS);

    // A worker's port serves its metrics (and no API route).
    for (const w of workers) {
      const url = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(w.output())?.[1];
      const scraped = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${adminKey}` } });
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toMatch(/exsync_runs_total\{kind="events",outcome="success"\} [1-9]/);
      const apiRoute = await fetch(`${url}/v1/users`, { headers: { authorization: `Bearer ${tenantKey}` } });
      expect(apiRoute.status).toBe(404);
    }

    // Two runs per user, both successful, the second with nothing to do; a user's runs never overlap.
    const runsOf = await Promise.all(users.map((u) => get<Run>(`/v1/users/${u}/runs?limit=100`)));
    for (const [i, u] of users.entries()) {
      const runs = [...(runsOf[i]?.items ?? [])].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
      expect(
        runs.map((r) => r.outcome),
        u,
      ).toEqual(['success', 'success']);
      expect(runs[1]?.counts, `${u}: the second sync found nothing to do`).toEqual({});
      const [one, two] = runs;
      expect(Date.parse(one?.finishedAt ?? ''), `${u}: its runs overlap`).toBeLessThanOrEqual(
        Date.parse(two?.startedAt ?? ''),
      );
    }
    // Exactly the user's EVENTS events in Radicale, each once: nothing written twice, nothing missing.
    for (const u of users) {
      const dir = join(radicale.dataDir, 'collections', 'collection-root', u);
      const [calendar] = (await readdir(dir)).filter((n) => !n.startsWith('.'));
      const folder = join(dir, calendar ?? '');
      const files = (await readdir(folder)).filter((n) => n.endsWith('.ics'));
      const texts = await Promise.all(files.map((f) => readFile(join(folder, f), 'utf8')));
      expect(texts.map((t) => /^SUMMARY:(.*?)\r?$/m.exec(t)?.[1]).sort(), u).toEqual(subjects(u));
    }
  }, 420_000);
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
    const p = spawnExsync(['migrate'], { EXSYNC_DATA_DIR: join(dir, 'data') }, { cwd: dir });
    expect(await p.exited).toBe(1);
    expect(p.output()).toContain('LOG_LEVEL: expected one of');
    expect(p.output()).toContain('EXSYNC_WORKER_CONCURRENCY: expected 1 with the embedded database');
  }, 60_000);

  it('loses to the environment: a variable already set is not overwritten', async () => {
    const p = spawnExsync(['migrate'], { EXSYNC_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'silent' }, { cwd: dir });
    expect(await p.exited).toBe(1);
    expect(p.output()).not.toContain('LOG_LEVEL');
    expect(p.output()).toContain('EXSYNC_WORKER_CONCURRENCY');
  }, 60_000);
});
