import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createJobQueue, createRepositories, type Database, openDatabase } from '@exsync/db';
import { createSimulator, type FaultAction, type FaultMatch, type SimulatorHandle } from '@exsync/exchange-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveSkipReason, type RunningDavServer, startRadicale } from '../../../packages/dav/src/testing/dav-servers';
import { createPostgresDatabase } from '../../../packages/db/src/testing/test-database';
import { WITH_POSTGRES } from './testing/harness';
import {
  callApi,
  type ExsyncProcess,
  listeningUrl,
  setUpTenant,
  sleep,
  spawnExsync,
  stopProcesses,
  until as untilEvery,
} from './testing/processes';

/**
 * The chaos suite: the service as an operator runs it (`exsync serve`, a child process, on PostgreSQL) syncs one
 * user between the Exchange simulator (EWS) and a real Radicale while its infrastructure fails under it: kill -9
 * during the initial sync and during a two-sided incremental sync, its database connections terminated, Radicale
 * stopped and started again, and every fault the simulator's control API injects. After each, with nobody acting,
 * within two minutes: every item on both sides, none twice (by UID and by content), no run left `running`, the user
 * `active`. Recovery is fast because the service is configured so (a 10 s job lease, a 2 s first retry), not because
 * a step is skipped.
 */
const skip = !WITH_POSTGRES || liveSkipReason('radicale');
const ALICE = 'alice@contoso.com';
const APP_PASSWORD = 'alice-app-password';
const RECOVERY_MS = 120_000;
const DAY = 86_400_000;
const SEED = { events: 300, contacts: 60, tasks: 60 } as const;

type Kind = 'events' | 'contacts' | 'tasks';
const KINDS: readonly Kind[] = ['events', 'contacts', 'tasks'];
const COLLECTION: Record<Kind, string> = {
  events: 'exchange-calendar',
  contacts: 'exchange-contacts',
  tasks: 'exchange-tasks',
};
const FOLDER = { events: 'calendar', contacts: 'contacts', tasks: 'tasks' } as const;
const PREFIX: Record<Kind, string> = { events: 'E', contacts: 'C', tasks: 'T' };

interface Service extends ExsyncProcess {
  readonly url: string;
}

interface Checked {
  readonly items: number;
  readonly duplicates: number;
  readonly running: number;
}

describe.skipIf(skip)('chaos: exsync serve (child process, PostgreSQL) ⇄ EWS simulator ⇄ Radicale', () => {
  let database: { url: string; drop(): Promise<void> };
  let radicale: RunningDavServer;
  let exchange: SimulatorHandle;
  let service: Service | undefined;
  let env: Record<string, string>;
  let tenantKey: string;
  const adminKey = randomBytes(32).toString('base64url');
  /** The names each kind must hold on both sides, exactly once. */
  const expected: Record<Kind, Set<string>> = { events: new Set(), contacts: new Set(), tasks: new Set() };
  const tried: string[] = [];
  const totals = { items: 0, duplicates: 0, stuckRuns: 0, faults: 0 };
  const started = Date.now();
  let serial = 0;
  const folder = (kind: Kind) => exchange.sim.store.distinguishedFolder(ALICE, FOLDER[kind]).id;

  async function startService(): Promise<Service> {
    // Request lines would bury what tells a failure apart: kept are sync, job and error lines.
    const p = spawnExsync(['serve'], env, {
      keep: (l) => !l.includes('"msg":"incoming request"') && !l.includes('"msg":"request completed"'),
      maxOutput: 200_000,
    });
    return { ...p, url: await listeningUrl(p) };
  }

  async function kill9(): Promise<void> {
    const s = service;
    if (!s) return;
    s.child.kill('SIGKILL');
    await s.exited;
    expect(s.child.signalCode).toBe('SIGKILL');
    service = undefined;
  }

  function call<T = Record<string, unknown>>(method: string, path: string, key: string, body?: unknown) {
    if (!service) throw new Error('the service is not running');
    return callApi<T>(service.url, method, path, key, body);
  }

  const syncNow = () => call('POST', '/v1/users/alice/sync', tenantKey, {});

  // ---- the two sides, read and written as a person would (Outlook edits in the simulator, DAV requests) ----

  function exchangeItems(kind: Kind) {
    return exchange.sim.store.listItems(folder(kind)).map((item) => {
      const name =
        item.kind === 'event'
          ? item.subject
          : item.kind === 'task'
            ? item.title
            : 'displayName' in item
              ? item.displayName
              : '';
      const stored = item.extendedProperties.find((p) => p.name === 'ExsyncUid')?.value;
      const uid = item.kind === 'event' ? item.uid : typeof stored === 'string' ? stored : undefined;
      return { id: item.id, name, uid };
    });
  }

  function exchangeCreate(kind: Kind, name: string): void {
    const soon = Date.now() + 2 * DAY + serial * 3_600_000;
    if (kind === 'events')
      exchange.sim.store.createEvent(folder(kind), { subject: name, start: soon, end: soon + 1_800_000 });
    else if (kind === 'tasks') exchange.sim.store.createTask(folder(kind), { title: name, dueDateTime: soon });
    else exchange.sim.store.createContact(folder(kind), { displayName: name, givenName: name, surname: 'Chaos' });
    expected[kind].add(name);
  }

  function exchangeRename(kind: Kind, name: string, to: string): void {
    const item = exchangeItems(kind).find((i) => i.name === name);
    if (!item) throw new Error(`${kind} ${name} is not in Exchange`);
    const field = kind === 'events' ? 'subject' : kind === 'tasks' ? 'title' : 'displayName';
    exchange.sim.store.updateItem(item.id, { [field]: to });
    expected[kind].delete(name);
    expected[kind].add(to);
  }

  function exchangeDelete(kind: Kind, name: string): void {
    const item = exchangeItems(kind).find((i) => i.name === name);
    if (!item) throw new Error(`${kind} ${name} is not in Exchange`);
    exchange.sim.store.deleteItem(item.id);
    expected[kind].delete(name);
  }

  const davDir = (kind: Kind) => join(radicale.dataDir, 'collections', 'collection-root', 'alice', COLLECTION[kind]);

  async function davItems(kind: Kind) {
    const files = (await readdir(davDir(kind)).catch(() => [] as string[])).filter((n) => /\.(ics|vcf)$/.test(n));
    const items = await Promise.all(
      files.map(async (file) => {
        // A file listed and then deleted by a sync running meanwhile (push or schedule) is simply not there.
        const raw = await readFile(join(davDir(kind), file), 'utf8').catch((e: NodeJS.ErrnoException) => {
          if (e.code === 'ENOENT') return undefined;
          throw e;
        });
        if (raw === undefined) return [];
        // Unfolded first: a long UID (Exchange's are 100+ characters) is folded over lines (RFC 5545 §3.1).
        const text = raw.replace(/\r?\n[ \t]/g, '');
        return [
          {
            file,
            text,
            uid: /^UID:(.*)$/m.exec(text)?.[1]?.trim(),
            name: /^(?:SUMMARY|FN)(?:;[^:]*)?:(.*)$/m.exec(text)?.[1]?.trim() ?? '?',
          },
        ];
      }),
    );
    return items.flat();
  }

  async function davRequest(method: string, kind: Kind, file: string, body?: string): Promise<void> {
    const r = await fetch(`${radicale.baseUrl}alice/${COLLECTION[kind]}/${file}`, {
      method,
      headers: {
        authorization: `Basic ${Buffer.from(`alice:${APP_PASSWORD}`).toString('base64')}`,
        ...(body
          ? { 'content-type': kind === 'contacts' ? 'text/vcard; charset=utf-8' : 'text/calendar; charset=utf-8' }
          : {}),
      },
      ...(body ? { body } : {}),
    });
    if (r.status >= 300) throw new Error(`${method} ${kind}/${file}: ${r.status}`);
  }

  async function davCreate(kind: Kind, name: string): Promise<void> {
    const uid = `chaos-${randomBytes(6).toString('hex')}`;
    const stamp = (ms: number) =>
      new Date(ms)
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d{3}/, '');
    const soon = Date.now() + 3 * DAY + serial * 3_600_000;
    const calendar = (component: string, lines: string[]) =>
      [
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        'PRODID:-//exsync//chaos//EN',
        `BEGIN:${component}`,
        ...lines,
        `END:${component}`,
        'END:VCALENDAR',
        '',
      ].join('\r\n');
    const body =
      kind === 'events'
        ? calendar('VEVENT', [
            `UID:${uid}`,
            `DTSTAMP:${stamp(Date.now())}`,
            `DTSTART:${stamp(soon)}`,
            `DTEND:${stamp(soon + 3_600_000)}`,
            `SUMMARY:${name}`,
          ])
        : kind === 'tasks'
          ? calendar('VTODO', [`UID:${uid}`, `DTSTAMP:${stamp(Date.now())}`, `SUMMARY:${name}`])
          : `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:${uid}\r\nFN:${name}\r\nN:Chaos;${name};;;\r\nEND:VCARD\r\n`;
    await davRequest('PUT', kind, `${uid}.${kind === 'contacts' ? 'vcf' : 'ics'}`, body);
    expected[kind].add(name);
  }

  async function davRename(kind: Kind, name: string, to: string): Promise<void> {
    const item = (await davItems(kind)).find((i) => i.name === name);
    if (!item) throw new Error(`${kind} ${name} is not in Radicale`);
    const text = item.text.replace(/^(SUMMARY|FN)((?:;[^:]*)?):.*$/m, `$1$2:${to}`);
    await davRequest('PUT', kind, item.file, text);
    expected[kind].delete(name);
    expected[kind].add(to);
  }

  async function davDelete(kind: Kind, name: string): Promise<void> {
    const item = (await davItems(kind)).find((i) => i.name === name);
    if (!item) throw new Error(`${kind} ${name} is not in Radicale`);
    await davRequest('DELETE', kind, item.file);
    expected[kind].delete(name);
  }

  /**
   * Edits on both sides of every kind: `n` creates, `n` renames and (at most 5, below the deletion guard) deletes per
   * side, never two sides touching one item.
   */
  async function churn(n: number, kinds: readonly Kind[] = KINDS): Promise<number> {
    let changes = 0;
    for (const kind of kinds) {
      const names = [...expected[kind]].sort();
      const fromExchange = names.slice(0, 2 * n);
      // Disjoint from Exchange's picks: an item edited on one side and deleted on the other is a conflict, not chaos.
      const fromNextcloud = names.slice(2 * n).slice(-2 * n);
      if (fromNextcloud.length < 2 * n) throw new Error(`too few ${kind} to edit both sides apart`);
      for (let i = 0; i < n; i++) {
        serial++;
        exchangeCreate(kind, `X${PREFIX[kind]}-${serial}`);
        await davCreate(kind, `N${PREFIX[kind]}-${serial}`);
        exchangeRename(kind, fromExchange[i]!, `${fromExchange[i]}.x${serial}`);
        await davRename(kind, fromNextcloud[i]!, `${fromNextcloud[i]}.n${serial}`);
        if (i < 5) {
          exchangeDelete(kind, fromExchange[n + i]!);
          await davDelete(kind, fromNextcloud[n + i]!);
          changes += 2;
        }
        changes += 4;
      }
    }
    return changes;
  }

  /**
   * What is wrong now, or the counts checked when nothing is. The service is asked first: while a sync is still
   * going the two sides are not read (reading 800 files twice a second would slow the simulator, which shares this
   * process, and the service).
   */
  async function check(): Promise<{ problems: string[]; checked: Checked }> {
    const problems: string[] = [];
    let running = 0;
    if (!service) return { problems: ['the service is not running'], checked: { items: 0, duplicates: 0, running } };
    const user = await call<{ state: string; stateReason: string | null }>('GET', '/v1/users/alice', tenantKey);
    if (user.state !== 'active') problems.push(`user ${user.state}: ${user.stateReason}`);
    // The sync asked for must have run: a sync push started before it may already have settled both sides (and a
    // quiet pair opens no run), while the one asked for still waits with the faults it is to meet.
    const job = await pendingJob();
    if (job) problems.push(job);
    const runs = await call<{ items: { outcome: string }[] }>('GET', '/v1/users/alice/runs?limit=100', tenantKey);
    running = runs.items.filter((r) => r.outcome === 'running').length;
    if (running > 0) problems.push(`${running} run(s) running`);
    let items = 0;
    let duplicates = 0;
    for (const kind of KINDS) {
      if (problems.length > 0) break;
      const want = [...expected[kind]].sort();
      for (const [side, list] of [
        ['Exchange', exchangeItems(kind)],
        ['Nextcloud', await davItems(kind)],
      ] as const) {
        const names = list.map((i) => i.name).sort();
        const uids = list.map((i) => i.uid).filter((u): u is string => u !== undefined);
        const twice = names.length - new Set(names).size + (uids.length - new Set(uids).size);
        duplicates += twice;
        items += names.length;
        if (twice > 0) problems.push(`${side} ${kind}: ${twice} duplicate(s)`);
        const missing = want.filter((w) => !names.includes(w));
        const extra = names.filter((w) => !want.includes(w));
        if (missing.length + extra.length > 0) {
          problems.push(
            `${side} ${kind}: missing ${missing.slice(0, 5).join(',')} (${missing.length}), extra ${extra.slice(0, 5).join(',')} (${extra.length})`,
          );
        }
      }
    }
    return { problems, checked: { items, duplicates, running } };
  }

  /** The service's job queue, read beside it (the user's own job, waiting or running). */
  let jobs: { db: Database; userId: string } | undefined;
  async function pendingJob(): Promise<string | undefined> {
    if (!jobs) {
      const db = await openDatabase({ databaseUrl: database.url, maxConnections: 1 });
      const repos = createRepositories(db);
      const [tenant] = await repos.tenants.list();
      const user = tenant ? await repos.users.get(tenant.id, 'alice') : null;
      if (!user) {
        await db.close();
        return 'alice is not enrolled';
      }
      jobs = { db, userId: user.id };
    }
    const job = await createJobQueue(jobs.db).pendingFor(jobs.userId);
    return job ? `a sync job is ${job.state === 'active' ? 'running' : 'waiting'}` : undefined;
  }

  /** Waits, acting on nothing, until both sides hold what they must; fails after two minutes with what is wrong. */
  async function recovers(what: string): Promise<number> {
    const from = Date.now();
    let last: string[] = [];
    for (;;) {
      if (service && service.child.exitCode !== null)
        throw new Error(`the service died:\n${service.output().slice(-5000)}`);
      const { problems, checked } = await check().catch((e: unknown) => ({
        problems: [String(e)],
        checked: undefined,
      }));
      if (problems.length === 0 && checked) {
        // Settled: both sides hold what they must, no run is open and the last sync left the user active.
        const seconds = (Date.now() - from) / 1000;
        totals.items += checked.items;
        totals.duplicates += checked.duplicates;
        totals.stuckRuns += checked.running;
        const line = `${what}: recovered in ${seconds.toFixed(1)} s, ${checked.items} items checked, 0 duplicates, 0 runs running`;
        tried.push(line);
        process.stdout.write(`chaos: ${line}\n`);
        return seconds;
      }
      last = problems;
      if (Date.now() - from > RECOVERY_MS) {
        // The last word, with both sides read whatever the service says.
        for (const kind of KINDS) {
          last.push(
            `${kind}: Exchange ${exchangeItems(kind).length}, Nextcloud ${(await davItems(kind)).length}, expected ${expected[kind].size}`,
          );
        }
        throw new Error(
          `${what}: not recovered within ${RECOVERY_MS / 1000} s: ${last.join('; ')}\n${service?.output().slice(-8000)}`,
        );
      }
      await sleep(1000);
    }
  }

  /** Index of the next simulator request, to watch what the sync does from now on. */
  const requestMark = () => exchange.sim.requests().length;
  const ewsWrites = (from: number) =>
    exchange.sim
      .requests()
      .slice(from)
      .filter((r) => ['CreateItem', 'UpdateItem', 'DeleteItem'].includes(r.operation ?? ''));

  beforeAll(async () => {
    database = await createPostgresDatabase();
    radicale = await startRadicale('alice', APP_PASSWORD);
    exchange = createSimulator({ seed: 'exsync-chaos' });
    exchange.sim.store.createMailbox({ smtpAddress: ALICE, displayName: 'Alice Example' });
    exchange.sim.directory.addServiceAccount({
      username: 'svc-sync',
      password: 'Passw0rd!',
      domain: 'CONTOSO',
      impersonation: [ALICE],
    });
    const urls = await exchange.listen(0);
    for (const kind of KINDS) {
      for (let i = 0; i < SEED[kind]; i++) exchangeCreate(kind, `${PREFIX[kind]}-${String(i).padStart(3, '0')}`);
    }
    env = {
      DATABASE_URL: database.url,
      EXSYNC_SECRET_KEY: randomBytes(32).toString('base64'),
      EXSYNC_ADMIN_KEY: adminKey,
      PORT: '0',
      LOG_LEVEL: 'info',
      EXSYNC_WORKER_CONCURRENCY: '2',
      // What makes recovery fast here: a dead worker's job is back after ~10 s, a failed sync retried after 2 s.
      EXSYNC_JOB_LEASE_SECONDS: '10',
      EXSYNC_RETRY_BACKOFF_SECONDS: '2',
    };
    service = await startService();
    // A day between scheduled syncs: nothing but the test's own "sync now" and the service's own retries starts one.
    tenantKey = await setUpTenant(service.url, adminKey, {
      nextcloudUrl: radicale.baseUrl,
      ewsUrl: urls.ews,
      kinds: ['events', 'contacts', 'tasks'],
    });
  }, 300_000);

  afterAll(async () => {
    if (service) await stopProcesses([service]);
    await jobs?.db.close();
    await exchange?.close();
    await radicale?.stop();
    await database?.drop();
    process.stdout.write(
      `chaos suite (${((Date.now() - started) / 1000).toFixed(0)} s):\n  ${tried.join('\n  ')}\n` +
        `  faults injected ${totals.faults}, items checked ${totals.items}, duplicates ${totals.duplicates}, stuck runs ${totals.stuckRuns}\n`,
    );
  });

  it(`kill -9 during the initial sync (${SEED.events} events, ${SEED.contacts} contacts, ${SEED.tasks} tasks), then a restart: every item once on both sides`, async () => {
    // Enrolment (what the Nextcloud app does) queues the first sync.
    await call('PUT', '/v1/users/alice', tenantKey, { loginName: 'alice', appPassword: APP_PASSWORD, mailbox: ALICE });
    await syncNow();
    // Killed a third of the way through writing the calendar into Radicale.
    const files = async () => (await readdir(davDir('events')).catch(() => [])).length;
    await until('the initial sync writing', async () => ((await files()) >= 100 ? true : undefined), 180_000);
    await kill9();
    const written = await files();
    expect(written).toBeLessThan(SEED.events); // the kill did land mid-run
    totals.faults++;
    service = await startService();
    await recovers(`kill -9 during the initial sync (after ${written} of ${SEED.events} events)`);
  }, 240_000);

  it('kill -9 during a two-sided incremental sync (creates, edits and deletes on both sides), then a restart', async () => {
    const changes = await churn(6);
    const mark = requestMark();
    await syncNow();
    await until(
      'the incremental sync writing to Exchange',
      () => (ewsWrites(mark).length >= 3 ? true : undefined),
      60_000,
    );
    await kill9();
    totals.faults++;
    service = await startService();
    await recovers(
      `kill -9 during an incremental sync of ${changes} changes (after ${ewsWrites(mark).length} Exchange writes)`,
    );
  }, 240_000);

  it('pg_terminate_backend on every connection of the service mid-run: the process lives on, the run fails cleanly and is retried', async () => {
    const changes = await churn(4);
    const mark = requestMark();
    await syncNow();
    await until('the sync writing to Exchange', () => (ewsWrites(mark).length >= 1 ? true : undefined), 60_000);
    const admin = await openDatabase({ databaseUrl: database.url, maxConnections: 1 });
    let terminated: number;
    try {
      const rows = await admin.query<{ ok: boolean }>(
        'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
      );
      terminated = rows.filter((r) => r.ok).length;
    } finally {
      await admin.close();
    }
    expect(terminated).toBeGreaterThan(0);
    totals.faults++;
    const pid = service?.child.pid;
    await recovers(`pg_terminate_backend on ${terminated} connections during a sync of ${changes} changes`);
    expect(service?.child.pid).toBe(pid); // the same process, never restarted
    expect(service?.child.exitCode).toBeNull();
  }, 240_000);

  it('Radicale stopped mid-run and started again on the same data and port', async () => {
    const changes = await churn(4);
    const mark = requestMark();
    await syncNow();
    await until('the sync writing', () => (ewsWrites(mark).length >= 1 ? true : undefined), 60_000);
    await radicale.halt();
    totals.faults++;
    await sleep(3000);
    await radicale.resume();
    await recovers(`Radicale down for 3 s during a sync of ${changes} changes`);
  }, 240_000);

  // Every fault the simulator's control API offers, on the EWS operation it hurts most; three in a row outlast the
  // one request's own retries (two), so the run itself meets the fault. A lost reply is injected once per write: the
  // write was applied, and the request settles it by finding what it wrote, so it is never tried again.
  const faults: [string, FaultMatch, FaultAction, number][] = [
    [
      '429 with Retry-After',
      { operation: 'SyncFolderItems' },
      { kind: 'status', status: 429, retryAfterSeconds: 1 },
      3,
    ],
    ['503 with Retry-After', { operation: 'GetItem' }, { kind: 'status', status: 503, retryAfterSeconds: 1 }, 3],
    ['504 gateway timeout', { operation: 'CreateItem' }, { kind: 'status', status: 504 }, 3],
    ['HTML 500', { operation: 'UpdateItem' }, { kind: 'error500', body: 'html' }, 3],
    ['empty 500', { operation: 'CreateItem' }, { kind: 'error500', body: 'empty' }, 3],
    ['SOAP 500', { operation: 'DeleteItem' }, { kind: 'error500', body: 'soap' }, 3],
    [
      'ErrorServerBusy (SOAP fault)',
      { operation: 'SyncFolderItems' },
      { kind: 'ewsServerBusy', channel: 'fault', backOffMs: 1000 },
      3,
    ],
    [
      'ErrorServerBusy (in band)',
      { operation: 'GetItem' },
      { kind: 'ewsServerBusy', channel: 'inBand', backOffMs: 1000 },
      3,
    ],
    ['connection reset', { operation: 'GetItem' }, { kind: 'reset' }, 3],
    ['slow answers', { operation: 'SyncFolderItems' }, { kind: 'slow', delayMs: 1500 }, 3],
    ['applied, reply lost (reset)', { operation: 'CreateItem' }, { kind: 'replyLost', after: 'reset' }, 1],
    [
      'applied, reply lost (silence)',
      { operation: 'UpdateItem' },
      { kind: 'replyLost', after: 'timeout', holdMs: 1500 },
      1,
    ],
  ];
  for (const [i, [name, match, action, count]] of faults.entries()) {
    it(`simulator fault: ${name} ×${count} on ${match.operation}`, async () => {
      // Six changes of one kind (a different kind each time): enough for every EWS operation to be called.
      const changes = await churn(1, [KINDS[i % KINDS.length]!]);
      exchange.sim.injectFault({ face: 'ews', ...match }, action, count);
      totals.faults += count;
      await syncNow();
      await recovers(`${name} ×${count} on ${match.operation} during a sync of ${changes} changes`);
      expect(exchange.sim.faults.list()).toEqual([]); // every injected fault was met
    }, 180_000);
  }
});

/** Chaos polls closely: recovery is timed. */
function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms: number): Promise<T> {
  return untilEvery(what, probe, ms, 100);
}
