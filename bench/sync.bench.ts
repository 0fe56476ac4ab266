import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { defaultPolicy, syncPair } from '@exsync/core';
import { DavCollectionStore, DavTransport, ensureCollection } from '@exsync/dav';
import { EwsCollectionStore } from '@exsync/exchange';
import { type RunningDavServer, startRadicale } from '../packages/dav/src/testing/dav-servers';
import { migrate } from '../packages/db/src/migrator';
import type { DatabaseKind } from '../packages/db/src/open-database';
import { AdvisoryPairLock, PrismaStatusStore } from '../packages/db/src/status-store';
import { createTestDatabase, testBackends } from '../packages/db/src/testing/test-database';
import { type Result, result } from './results';
import type { Figure } from './run';
import { simProfileFlags } from './sim-server-flags';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1000);
const WINDOW = { start: '2026-01-01T00:00:00Z', end: '2027-06-30T00:00:00Z' };

/**
 * One mailbox of 1,000 events (singles in five zones, every tenth a weekly series) synced from the EWS face of the
 * simulator (its own process) into Radicale, through the real stores, the engine and the status store on PGlite
 * and PostgreSQL: first-run wall and CPU per item, a no-change run's CPU, the bytes `item_links` holds per item,
 * and at the end a check that Radicale holds exactly the mailbox's events (none missing, no duplicates).
 */
export async function syncBenchmarks(): Promise<{ figures: Figure[]; results: Result[] }> {
  const figures: Figure[] = [];
  const results: Result[] = [];
  const sim = await startSim(EVENTS);
  const radicale = await startRadicale('alice', 'alice-app-password');
  try {
    for (const kind of testBackends) {
      const r = await onBackend(kind, sim, radicale);
      figures.push(...r.figures);
      results.push(...r.results);
    }
  } finally {
    await radicale.stop();
    sim.stop();
  }
  return { figures, results };
}

async function onBackend(
  kind: DatabaseKind,
  sim: Sim,
  radicale: RunningDavServer,
): Promise<{ figures: Figure[]; results: Result[] }> {
  const name = kind === 'pglite' ? 'PGlite' : 'PostgreSQL';
  const test = await createTestDatabase(kind);
  try {
    await migrate(test.db);
    const prisma = test.db.prisma;
    const tenant = await prisma.tenant.create({ data: { name: 't', nextcloudUrl: radicale.baseUrl } });
    const user = await prisma.user.create({
      data: { tenantId: tenant.id, ncUserId: 'u', loginName: 'u', appPasswordCiphertext: 'x', appPasswordKeyId: 'k' },
    });
    const pair = await prisma.collectionPair.create({
      data: { userId: user.id, kind: 'event', aCollectionId: 'calendar', bCollectionId: 'b' },
    });
    const transport = new DavTransport({
      credentials: { username: 'alice', password: 'alice-app-password' },
      timeoutMs: 60_000,
    });
    const info = await ensureCollection(
      { url: `${radicale.baseUrl}alice/bench-${randomUUID()}/`, type: 'calendar', components: ['VEVENT'] },
      transport,
    );
    const b = new DavCollectionStore({ transport, url: info.url, type: 'calendar', components: info.components });
    const a = new EwsCollectionStore({
      url: sim.ews,
      auth: { kind: 'basic', username: 'CONTOSO\\svc-sync', password: 'Passw0rd!' },
      mailbox: 'alice@contoso.com',
      folder: 'calendar',
      timeoutMs: 60_000,
    });
    const deps = { a, b, status: new PrismaStatusStore(test.db), lock: new AdvisoryPairLock(test.db) };
    const options = { pair: pair.id, policy: defaultPolicy('a'), window: WINDOW };

    const first = await measured(sim, () => syncPair(deps, options));
    const created = first.report.counts.a_to_b?.create ?? 0;
    if (created !== EVENTS) throw new Error(`${name}: the first run created ${created} of ${EVENTS} events`);
    // The second run sees its own writes echo back from Radicale; the third is the steady no-change state.
    await measured(sim, () => syncPair(deps, options));
    const idle = await measured(sim, () => syncPair(deps, options));

    // The pair's reference (what its rows are coded against, on collection_pairs) counts too, shared out.
    const [size] = await test.db.query<{ bytes: number; rows: number; reference: number }>(
      `SELECT pg_total_relation_size('item_links')::int AS bytes, (SELECT count(*)::int FROM item_links) AS rows,
         (SELECT coalesce(sum(pg_column_size(link_reference)), 0)::int FROM collection_pairs) AS reference`,
    );
    const perItem = (size!.bytes + size!.reference) / size!.rows;
    // The live rows only (VACUUM FULL rewrites the table): the versions a run's own rewrites leave behind are space
    // that later writes reuse, not data.
    await test.db.query('VACUUM FULL item_links');
    const [vacuumed] = await test.db.query<{ bytes: number }>(
      `SELECT pg_total_relation_size('item_links')::int AS bytes`,
    );
    const perItemVacuumed = (vacuumed!.bytes + size!.reference) / size!.rows;
    if (process.env.BENCH_VERBOSE) console.log(await columnSizes(test.db));

    // Radicale must hold exactly the mailbox's events: one per item, none twice.
    const hrefs: string[] = [];
    for await (const listed of b.listWindow(WINDOW)) hrefs.push(listed.href);
    const uids = new Set<string>();
    for await (const got of b.getMany(hrefs)) if (got.found) uids.add(got.fetched.item.uid);
    if (hrefs.length !== EVENTS || uids.size !== EVENTS) {
      throw new Error(`${name}: Radicale holds ${hrefs.length} objects with ${uids.size} UIDs, expected ${EVENTS}`);
    }

    const label = `${EVENTS} events EWS → Radicale, ${name}`;
    console.log(
      `${label}: first run ${first.wallMs.toFixed(0)} ms wall, ${first.cpuMs.toFixed(0)} ms exsync CPU ` +
        `(simulator ${first.simMs.toFixed(0)} ms); no-change run ${idle.cpuMs.toFixed(1)} ms CPU; ` +
        `item_links ${perItem.toFixed(0)} B per item (${perItemVacuumed.toFixed(0)} B after VACUUM FULL)`,
    );
    return {
      figures: [
        { name: `initial sync, ${label}`, items: EVENTS, ms: first.wallMs },
        { name: `no-change run, ${label}`, items: EVENTS, ms: idle.wallMs },
      ],
      results: [
        result(`initial sync ${label}: wall`, 'ms', first.wallMs),
        result(`initial sync ${label}: exsync CPU per item`, 'ms', first.cpuMs / EVENTS, 2),
        result(`initial sync ${label}: simulator CPU share`, '%', (first.simMs / first.cpuMs) * 100, 10),
        result(`no-change run of one calendar (${EVENTS} events), ${name}: exsync CPU`, 'ms', idle.cpuMs),
        result(`item_links bytes per item, ${name} (table, TOAST, indexes)`, 'B', perItem, 600),
        result(`item_links bytes per item after VACUUM FULL, ${name}`, 'B', perItemVacuumed, 600),
      ],
    };
  } finally {
    await test.dispose();
  }
}

interface Sim {
  readonly ews: string;
  cpuMs(): Promise<number>;
  stop(): void;
}

/** The simulator in a process of its own (`sim-server.ts`), so its CPU is told apart from exsync's. */
async function startSim(events: number): Promise<Sim> {
  const child: ChildProcess = spawn(
    process.execPath,
    [...simProfileFlags(), '--import', 'tsx', join(import.meta.dirname, 'sim-server.ts')],
    {
      env: { ...process.env, EVENTS: String(events) },
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => JSON.parse(((await lines.next()).value as string | undefined) ?? '{}');
  const { ews } = (await next()) as { ews: string };
  return {
    ews,
    async cpuMs() {
      child.stdin!.write('cpu\n');
      return ((await next()) as { cpuMs: number }).cpuMs;
    },
    stop() {
      child.stdin?.end();
      if (child.exitCode === null) child.kill('SIGTERM');
    },
  };
}

async function measured<T>(sim: Sim, run: () => Promise<T & { outcome: string }>) {
  const simBefore = await sim.cpuMs();
  const before = process.cpuUsage();
  const started = performance.now();
  const report = await run();
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(before);
  const simMs = (await sim.cpuMs()) - simBefore;
  if (report.outcome !== 'success') throw new Error(`the run ended ${report.outcome}`);
  return { report, wallMs, cpuMs: (used.user + used.system) / 1000, simMs };
}

const COLUMNS = ['pair_id', 'ident_key', 'a_key', 'b_key', 'head', 'body', 'pending_create', 'dormant'];

/** Where a row's bytes go: the average stored size of each column, and each relation's share (BENCH_VERBOSE=1). */
async function columnSizes(db: { query<T>(sql: string, params?: unknown[]): Promise<T[]> }): Promise<unknown> {
  const [columns] = await db.query<Record<string, number>>(
    `SELECT ${COLUMNS.map((c) => `avg(coalesce(pg_column_size(${c}), 0))::int AS ${c}`).join(', ')} FROM item_links`,
  );
  const relations = await db.query<{ name: string; bytes: number }>(
    `SELECT c.relname AS name, pg_relation_size(c.oid)::int AS bytes FROM pg_class c
      WHERE c.relname LIKE 'item_links%' OR c.oid = (SELECT reltoastrelid FROM pg_class WHERE relname = 'item_links')`,
  );
  return { columns, relations };
}
