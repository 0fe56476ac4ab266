/**
 * The admin page's user endpoints at 5,000 enrolled users: the app's own PHP controllers (in the browser test's
 * Nextcloud-like shell, PHP's built-in server) against the real sync service (embedded database). Prints the time
 * of the requests the Users section makes — first page, counts per state, a search — as medians of 5 runs. Goals:
 * first page and search under 1 s each. Figures, not assertions: compare them on the same machine only.
 *
 *   pnpm --filter @exsync/nextcloud-app bench
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bearer, createTenant, startTestApp } from '../../apps/sync-service/src/testing/harness';

const USERS = 5_000;
const RUNS = 5;
const HERE = fileURLToPath(new URL('.', import.meta.url));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const service = await startTestApp();
let php: ChildProcess | undefined;
const stateDir = mkdtempSync(join(tmpdir(), 'exsync-bench-'));
try {
  const tenant = await createTenant(service, 'Bench');
  await service.app.listen({ port: 0, host: '127.0.0.1' });
  const serviceUrl = `http://127.0.0.1:${(service.app.server.address() as AddressInfo).port}`;

  const users = Array.from({ length: USERS }, (_, i) => {
    const n = String(i + 1).padStart(4, '0');
    return { uid: `user-${n}`, email: `user-${n}@cloud.example`, displayName: `Person ${n}` };
  });
  for (let i = 0; i < USERS; i += 1000) {
    const r = await service.app.inject({
      method: 'POST',
      url: '/v1/users/bulk',
      headers: bearer(tenant.key),
      payload: {
        users: users.slice(i, i + 1000).map((u) => ({
          ncUserId: u.uid,
          loginName: u.uid,
          appPassword: 'x'.repeat(72),
          email: u.email,
          displayName: u.displayName,
        })),
      },
    });
    if (r.statusCode !== 200) throw new Error(`bulk: ${r.statusCode} ${r.body}`);
  }
  // Every fifth user in another state, so the counts have something to count.
  await service.db.query(`UPDATE users SET state = 'error', state_reason = 'x' WHERE nc_user_id LIKE '%5'`);

  const token = 'bench-token';
  const prefs = Object.fromEntries(
    users.map((u, i) => [u.uid, { 'exsync/token_id': String(i + 1), 'exsync/enrolled': '1' }]),
  );
  writeFileSync(
    join(stateDir, 'state.json'),
    JSON.stringify({
      admin: 'admin',
      adminPassword: 'x',
      requestToken: token,
      confirmedAt: 0,
      users: [{ uid: 'admin', email: 'admin@cloud.example', displayName: 'Admin' }, ...users],
      groups: { staff: users.map((u) => u.uid) },
      appConfig: {
        values: {
          'exsync/service_url': serviceUrl,
          'exsync/api_key': tenant.key,
          'exsync/allow_local_address': true,
          'exsync/groups': ['staff'],
        },
        lazy: {
          'exsync/service_url': false,
          'exsync/api_key': false,
          'exsync/allow_local_address': false,
          'exsync/groups': false,
        },
        sensitive: {},
      },
      prefs,
      tokens: [],
      log: [],
    }),
  );
  const port = await freePort();
  php = spawn('php', ['-S', `127.0.0.1:${port}`, join(HERE, '..', 'tests', 'browser', 'shell', 'router.php')], {
    env: { ...process.env, EXSYNC_SHELL_STATE: join(stateDir, 'state.json') },
    stdio: 'ignore',
  });
  const base = `http://127.0.0.1:${port}/index.php/apps/exsync`;
  for (let tries = 0; ; tries++) {
    try {
      await fetch(`http://127.0.0.1:${port}/favicon.ico`);
      break;
    } catch (error) {
      if (tries > 100) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const time = async (label: string, path: string, check: (body: Record<string, unknown>) => boolean) => {
    const ms: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const start = performance.now();
      const response = await fetch(base + path, { headers: { requesttoken: token } });
      const body = (await response.json()) as Record<string, unknown>;
      ms.push(performance.now() - start);
      if (!response.ok || !check(body))
        throw new Error(`${label}: unexpected answer ${JSON.stringify(body).slice(0, 200)}`);
    }
    ms.sort((a, b) => a - b);
    console.log(
      `${label.padEnd(50)} median ${ms[Math.floor(RUNS / 2)]!.toFixed(0).padStart(5)} ms   (min ${ms[0]!.toFixed(0)}, max ${ms.at(-1)!.toFixed(0)})`,
    );
  };

  console.log(`Nextcloud app, users section, ${USERS} enrolled users (PHP shell + sync service on PGlite):`);
  await time('first page (50 users)', '/admin/users?limit=50', (b) => (b.items as unknown[]).length === 50);
  await time('counts per state (one request to the service)', '/admin/user-counts', (b) => b.total === USERS);
  await time(
    'first page sorted by last sync, latest first',
    '/admin/users?limit=50&sort=lastSuccessAt&order=desc',
    (b) => (b.items as unknown[]).length === 50,
  );
  await time(
    'search "Person 42" (111 matches, a page of 50)',
    '/admin/users?search=Person%2042&limit=50',
    (b) => (b.items as unknown[]).length === 50,
  );
  await time(
    'search "Person" (all 5,000 match, a page of 50)',
    '/admin/users?search=Person&limit=50',
    (b) => (b.items as unknown[]).length === 50,
  );
  await time(
    'search by e-mail',
    '/admin/users?search=user-4242%40cloud.example',
    (b) => (b.items as unknown[]).length === 1,
  );
} finally {
  php?.kill();
  await service.close();
  rmSync(stateDir, { recursive: true, force: true });
}
