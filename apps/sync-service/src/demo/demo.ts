/**
 * `pnpm demo [--graph] [--once] [--fake-nextcloud]`: the whole path on one machine, nothing to install.
 * Starts the Exchange simulator (demo tenant), a CalDAV/CardDAV server standing in for Nextcloud — Radicale when it
 * is installed, else (or with --fake-nextcloud) the project's fake Nextcloud from packages/dav, which lays out the
 * users' homes as Nextcloud does and keeps everything in memory — and the sync service on a throw-away embedded
 * database; then, through the service's REST API only, creates a tenant, the
 * Exchange connection (EWS, or Graph with --graph), enrols the demo users, syncs, edits an item on the DAV side,
 * syncs again, and prints what moved each way and where to look. Ctrl-C stops everything; --once exits after.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSimulator, DEMO, seedDemoTenant } from '@exsync/exchange-sim';
import { isInstalled, startRadicale } from '../../../../packages/dav/src/testing/dav-servers';
import { FakeNextcloud } from '../../../../packages/dav/src/testing/fake-nextcloud';
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { startServer } from '../server';

const args = new Set(process.argv.slice(2));
const graph = args.has('--graph');
const once = args.has('--once');
const fakeNextcloud = args.has('--fake-nextcloud');
const log = (line = '') => process.stdout.write(`${line}\n`);

/** App passwords of the demo users on the stand-in DAV server (throw-away, like the server itself). */
const DAV_PASSWORD = 'demo-app-password';
const users = DEMO.mailboxes.map((mailbox) => ({ ncUserId: mailbox.split('@')[0] ?? mailbox, mailbox }));

const stops: (() => Promise<unknown>)[] = [];
async function stopAll(): Promise<void> {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
}

/** The server standing in for Nextcloud: where the tenant points, and each user's synced calendar and home. */
interface StandIn {
  readonly name: string;
  readonly baseUrl: string;
  calendarOf(user: string): string;
  homeOf(user: string): string;
  stop(): Promise<void>;
}

async function startStandIn(): Promise<StandIn> {
  const [first, ...others] = users;
  if (!fakeNextcloud && isInstalled('radicale')) {
    const dav = await startRadicale(first?.ncUserId ?? 'alice', DAV_PASSWORD);
    // Radicale reads its htpasswd file on every login: the other demo users can be added after it started.
    for (const u of others) appendFileSync(join(dav.dataDir, 'users'), `${u.ncUserId}:${DAV_PASSWORD}\n`);
    return {
      name: 'Radicale',
      baseUrl: dav.baseUrl,
      calendarOf: (user) => `${dav.baseUrl}${user}/exchange-calendar/`,
      homeOf: (user) => `${dav.baseUrl}${user}/`,
      stop: () => dav.stop(),
    };
  }
  if (!fakeNextcloud) {
    log('Radicale is not installed (scripts/dav-servers/install.sh): using the fake Nextcloud, in memory.');
  }
  const nc = await new FakeNextcloud({ password: DAV_PASSWORD }).start();
  for (const u of users) if (u.ncUserId !== nc.user) nc.addUser(u.ncUserId, DAV_PASSWORD);
  const dav = `${nc.baseUrl}/remote.php/dav`;
  return {
    name: 'the fake Nextcloud',
    baseUrl: nc.baseUrl,
    calendarOf: (user) => `${dav}/calendars/${user}/exchange-calendar/`,
    homeOf: (user) => `${dav}/calendars/${user}/ and ${dav}/addressbooks/users/${user}/`,
    stop: () => nc.stop(),
  };
}

async function main(): Promise<void> {
  const exchange = createSimulator();
  seedDemoTenant(exchange.sim);
  const sim = await exchange.listen(0, '127.0.0.1');
  stops.push(() => exchange.close());

  const dav = await startStandIn();
  stops.push(() => dav.stop());

  const dataDir = mkdtempSync(join(tmpdir(), 'exsync-demo-'));
  stops.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  const adminKey = randomBytes(32).toString('base64url');
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: process.env.PORT ?? '0',
    EXSYNC_DATA_DIR: dataDir,
    EXSYNC_ADMIN_KEY: adminKey,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  });
  const logger = createLogger(config.logLevel);
  const server = await startServer(config, logger, () => undefined);
  stops.push(() => server.close());

  const api = async <T>(method: string, path: string, key: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };

  const tenant = await api<{ id: string }>('POST', '/v1/tenants', adminKey, {
    name: 'Contoso demo',
    nextcloudUrl: dav.baseUrl,
  });
  const { key } = await api<{ key: string }>('POST', `/v1/tenants/${tenant.id}/api-keys`, adminKey, {
    label: 'demo',
  });
  const connection = graph
    ? {
        kind: 'graph',
        url: sim.base,
        authority: sim.base,
        entraTenantId: exchange.sim.tenantId,
        clientId: DEMO.clientId,
        authKind: 'client_secret',
        clientSecret: DEMO.clientSecret,
      }
    : {
        kind: 'ews',
        url: sim.ews,
        authKind: 'ntlm',
        username: `${DEMO.serviceAccount.domain}\\${DEMO.serviceAccount.username}`,
        password: DEMO.serviceAccount.password,
      };
  await api('PUT', '/v1/exchange-connection', key, connection);
  for (const u of users) {
    await api('PUT', `/v1/users/${u.ncUserId}`, key, {
      loginName: u.ncUserId,
      appPassword: DAV_PASSWORD,
      mailbox: u.mailbox,
    });
  }

  type Detail = { state: string; stateReason: string | null; lastSyncAt: string | null };
  type Run = {
    kind: string | null;
    outcome: string;
    counts: Record<string, Record<string, number>>;
    error: string | null;
  };
  /** Queues a sync for every demo user and waits until each has finished one (the worker sets lastSyncAt). */
  async function syncEveryone(): Promise<Map<string, Run[]>> {
    const before = new Map<string, string | null>();
    for (const u of users) {
      before.set(u.ncUserId, (await api<Detail>('GET', `/v1/users/${u.ncUserId}`, key)).lastSyncAt);
      await api('POST', `/v1/users/${u.ncUserId}/sync`, key, {});
    }
    const runs = new Map<string, Run[]>();
    const deadline = Date.now() + 120_000;
    for (const u of users) {
      for (;;) {
        const d = await api<Detail>('GET', `/v1/users/${u.ncUserId}`, key);
        if (d.lastSyncAt !== before.get(u.ncUserId)) break;
        if (Date.now() > deadline) throw new Error(`${u.ncUserId} was not synced within two minutes`);
        await new Promise((done) => setTimeout(done, 200));
      }
      const since = Date.now() - 180_000;
      const list = await api<{ items: (Run & { startedAt: string })[] }>(
        'GET',
        `/v1/users/${u.ncUserId}/runs?limit=10`,
        key,
      );
      runs.set(
        u.ncUserId,
        list.items.filter((r) => Date.parse(r.startedAt) >= since),
      );
    }
    return runs;
  }

  const totals = { toNextcloud: 0, toExchange: 0 };
  function report(title: string, runs: Map<string, Run[]>, seen: Set<string>): boolean {
    log(title);
    let ok = true;
    for (const [user, list] of runs) {
      for (const r of list) {
        const id = JSON.stringify([user, r]);
        if (seen.has(id)) continue;
        seen.add(id);
        const a = Object.values(r.counts.exchange_to_nextcloud ?? {}).reduce((s, n) => s + n, 0);
        const b = Object.values(r.counts.nextcloud_to_exchange ?? {}).reduce((s, n) => s + n, 0);
        totals.toNextcloud += a;
        totals.toExchange += b;
        if (r.outcome !== 'success') ok = false;
        log(
          `  ${user.padEnd(6)} ${(r.kind ?? '-').padEnd(8)} ${r.outcome.padEnd(8)} Exchange → DAV ${fmt(r.counts.exchange_to_nextcloud)}   DAV → Exchange ${fmt(r.counts.nextcloud_to_exchange)}${r.error ? `   ${r.error}` : ''}`,
        );
      }
    }
    return ok;
  }
  const seen = new Set<string>();

  log(`exsync demo (${graph ? 'Microsoft Graph' : 'EWS'} ⇄ ${dav.name})`);
  log();
  let ok = report('First sync (Exchange items appear in new "Exchange …" collections):', await syncEveryone(), seen);

  // A change on the Nextcloud side: a new event in alice's synced calendar, which the next sync carries over.
  const alice = users[0]?.ncUserId ?? 'alice';
  const calendarUrl = dav.calendarOf(alice);
  const uid = `demo-${Date.now()}@exsync.invalid`;
  const start = new Date(Date.now() + 3 * 86_400_000);
  const ical = (d: Date) =>
    d
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
  const put = await fetch(`${calendarUrl}${uid}.ics`, {
    method: 'PUT',
    headers: {
      authorization: `Basic ${Buffer.from(`${alice}:${DAV_PASSWORD}`).toString('base64')}`,
      'content-type': 'text/calendar; charset=utf-8',
      'if-none-match': '*',
    },
    body: [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//exsync//demo//EN',
      'BEGIN:VEVENT',
      `UID:${uid}`,
      `DTSTAMP:${ical(new Date())}`,
      `DTSTART:${ical(start)}`,
      `DTEND:${ical(new Date(start.getTime() + 3_600_000))}`,
      'SUMMARY:Planned in Nextcloud',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join('\r\n'),
  });
  if (!put.ok) throw new Error(`Could not add the demo event to ${calendarUrl}: ${put.status}`);
  log();
  ok = report('Second sync (after adding "Planned in Nextcloud" on the DAV side):', await syncEveryone(), seen) && ok;

  const calendar = exchange.sim.store.distinguishedFolder(DEMO.mailboxes[0] ?? '', 'calendar');
  const inExchange = exchange.sim.store
    .listItems(calendar.id)
    .some((i) => (i as { subject?: string }).subject === 'Planned in Nextcloud');
  log();
  log(`Moved: ${totals.toNextcloud} item(s) Exchange → DAV, ${totals.toExchange} DAV → Exchange.`);
  log(`"Planned in Nextcloud" is ${inExchange ? '' : 'NOT '}in ${DEMO.mailboxes[0]}'s Exchange calendar.`);
  log();
  log('Where to look:');
  log(`  Swagger UI          ${server.url}/docs  (admin key: ${adminKey})`);
  log(`  Tenant API key      ${key}`);
  for (const u of users)
    log(`  ${`DAV (${u.ncUserId})`.padEnd(20)}${dav.homeOf(u.ncUserId)}  (${u.ncUserId} / ${DAV_PASSWORD})`);
  log(`  Simulator control   ${sim.control}/info  (requests: ${sim.control}/requests)`);
  log(`  ${(graph ? 'Graph base' : 'EWS endpoint').padEnd(20)}${graph ? sim.graph : sim.ews}`);
  const success = ok && inExchange && totals.toNextcloud > 0 && totals.toExchange > 0;
  if (!success) throw new Error('The demo sync did not move items both ways; see the runs above.');
  if (once) return;
  log();
  log('Running until Ctrl-C (the service keeps syncing every 15 minutes; POST …/sync to sync now).');
  await new Promise<void>((done) => {
    process.once('SIGINT', () => done());
    process.once('SIGTERM', () => done());
  });
}

function fmt(counts: Record<string, number> | undefined): string {
  const parts = Object.entries(counts ?? {}).map(([action, n]) => `${n} ${action}`);
  return (parts.length ? parts.join(', ') : 'nothing').padEnd(10);
}

main()
  .then(async () => {
    await stopAll();
    process.exit(0);
  })
  .catch(async (error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
    await stopAll();
    process.exit(1);
  });
