import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { defaultPolicy, syncPair } from '@exsync/core';
import { DavCollectionStore, DavTransport, ensureCollection } from '@exsync/dav';
import { EwsCollectionStore, GraphClient, GraphCollectionStore, MsalTokenProvider } from '@exsync/exchange';
import { DEMO } from '@exsync/exchange-sim';
import type { RunningDavServer } from '../packages/dav/src/testing/dav-servers';
import { migrate } from '../packages/db/src/migrator';
import type { DatabaseKind } from '../packages/db/src/open-database';
import { AdvisoryPairLock, PrismaStatusStore } from '../packages/db/src/status-store';
import { createTestDatabase, testBackends } from '../packages/db/src/testing/test-database';
import { WARMUP_MAILBOX } from './mailbox-layout';
import { startProfile } from './profile';
import { startBenchRadicale } from './radicale';
import { type Result, result } from './results';
import type { Figure } from './run';
import { simNodeFlags } from './sim-server-flags';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1000);
/** Items written at once: the service's default (EXSYNC_WRITE_CONCURRENCY); BENCH_WRITE_CONCURRENCY=1 for the old way. */
const WRITE_CONCURRENCY = Number(process.env.BENCH_WRITE_CONCURRENCY ?? 4);
/**
 * Events of the warm-up sync run before each measured one, as many as it measures unless BENCH_WARMUP says (0: a
 * fresh process): the service is a long-running process, so the per-item goal is its cost on warm code. A warm-up
 * of 200 left the measured run ~20 % dearer than one of 1,000 (V8 still optimising, and its idle-time GC throwing
 * optimised code away between runs).
 */
const WARMUP_EVENTS = Number(process.env.BENCH_WARMUP ?? EVENTS);
const WINDOW = { start: '2026-01-01T00:00:00Z', end: '2027-06-30T00:00:00Z' };

/**
 * One mailbox of 1,000 events (singles in five zones, every tenth a weekly series) synced from the simulator (its
 * own process, so its CPU is not counted as exsync's) into Radicale (its own process too), through the real
 * stores, the engine and the status store: over EWS on PGlite and PostgreSQL, over Graph on PostgreSQL. Figures:
 * first-run wall and CPU per item (user and system), the same PUTs' time on Radicale alone (the floor the wall is
 * compared with), a no-change run's CPU, the bytes `item_links` holds per item, and at the end a check that
 * Radicale holds exactly the mailbox's events (none missing, no duplicates).
 */
export async function syncBenchmarks(): Promise<{ figures: Figure[]; results: Result[] }> {
  const figures: Figure[] = [];
  const results: Result[] = [];
  const sim = await startSim(EVENTS);
  const radicale = await startBenchRadicale('alice', 'alice-app-password');
  try {
    for (const [face, kind] of benchRuns()) {
      const r = await onBackend(face, kind, sim, radicale);
      figures.push(...r.figures);
      results.push(...r.results);
    }
  } finally {
    await radicale.stop();
    sim.stop();
  }
  return { figures, results };
}

type Face = 'ews' | 'graph';

async function onBackend(
  face: Face,
  kind: DatabaseKind,
  sim: Sim,
  radicale: RunningDavServer,
): Promise<{ figures: Figure[]; results: Result[] }> {
  const name = kind === 'pglite' ? 'PGlite' : 'PostgreSQL';
  const faceName = face === 'ews' ? 'EWS' : 'Graph';
  const warmup = WARMUP_EVENTS > 0 ? await warmUp(face, kind, sim, radicale) : undefined;
  const test = await createTestDatabase(kind);
  try {
    const { deps, options, b, transport, fresh } = await syncSetUp(test, face, 'alice@contoso.com', sim, radicale);

    const first = await measured(sim, () => syncPair(deps, options), `first-${face}-${kind}`);
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
    const bodies: string[] = [];
    for await (const got of b.getMany(hrefs)) {
      if (!got.found) continue;
      uids.add(got.fetched.item.uid);
      bodies.push(got.fetched.raw);
    }
    if (hrefs.length !== EVENTS || uids.size !== EVENTS) {
      throw new Error(`${name}: Radicale holds ${hrefs.length} objects with ${uids.size} UIDs, expected ${EVENTS}`);
    }
    const floorMs = await putFloor(bodies, (await fresh()).url, transport);

    const label = `${EVENTS} events ${faceName} → Radicale, ${name}`;
    console.log(
      `${label}: first run ${first.wallMs.toFixed(0)} ms wall (Radicale PUT floor ${floorMs.toFixed(0)} ms), ` +
        `${first.cpuMs.toFixed(0)} ms exsync CPU (user ${first.userMs.toFixed(0)}, system ${first.systemMs.toFixed(0)}; ` +
        `simulator ${first.simMs.toFixed(0)} ms); no-change run ${idle.cpuMs.toFixed(1)} ms CPU; ` +
        `item_links ${perItem.toFixed(0)} B per item (${perItemVacuumed.toFixed(0)} B after VACUUM FULL)`,
    );
    // The figures kept from before Graph was measured keep their names (no face named meant EWS).
    const stored = face === 'ews';
    return {
      figures: [
        { name: `initial sync, ${label}`, items: EVENTS, ms: first.wallMs },
        { name: `no-change run, ${label}`, items: EVENTS, ms: idle.wallMs },
      ],
      results: [
        result(`initial sync ${label}: wall`, 'ms', first.wallMs),
        result(`initial sync ${label}: exsync CPU per item`, 'ms', first.cpuMs / EVENTS, 2),
        result(`initial sync ${label}: simulator CPU share`, '%', (first.simMs / first.cpuMs) * 100, 10),
        ...(warmup
          ? [
              result(
                `warm-up sync before it (${WARMUP_EVENTS} other events, ${faceName}): exsync CPU per item`,
                'ms',
                warmup.cpuMs / WARMUP_EVENTS,
              ),
              result(
                `warm-up sync before it (${WARMUP_EVENTS} other events, ${faceName}): simulator CPU share`,
                '%',
                (warmup.simMs / warmup.cpuMs) * 100,
              ),
            ]
          : []),
        result(`initial sync ${label}: Radicale PUT floor (the same PUTs, one client, one at a time)`, 'ms', floorMs),
        result(`initial sync ${label}: wall / Radicale PUT floor`, '×', first.wallMs / floorMs, 1.25),
        ...(stored
          ? [
              result(`no-change run of one calendar (${EVENTS} events), ${name}: exsync CPU`, 'ms', idle.cpuMs),
              result(`item_links bytes per item, ${name} (table, TOAST, indexes)`, 'B', perItem, 600),
              result(`item_links bytes per item after VACUUM FULL, ${name}`, 'B', perItemVacuumed, 600),
            ]
          : [
              result(
                `no-change run of one calendar (${EVENTS} events), ${faceName}, ${name}: exsync CPU`,
                'ms',
                idle.cpuMs,
              ),
            ]),
      ],
    };
  } finally {
    await test.dispose();
  }
}

type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;

/** A migrated database with one user's calendar pair: `mailbox`'s calendar on `face` against a new Radicale calendar. */
async function syncSetUp(test: TestDatabase, face: Face, mailbox: string, sim: Sim, radicale: RunningDavServer) {
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
  const fresh = () =>
    ensureCollection(
      { url: `${radicale.baseUrl}alice/bench-${randomUUID()}/`, type: 'calendar', components: ['VEVENT'] },
      transport,
    );
  const info = await fresh();
  const b = new DavCollectionStore({ transport, url: info.url, type: 'calendar', components: info.components });
  const a = face === 'ews' ? ewsStore(sim, mailbox) : graphStore(sim, mailbox);
  const deps = { a, b, status: new PrismaStatusStore(test.db), lock: new AdvisoryPairLock(test.db) };
  const options = { pair: pair.id, policy: defaultPolicy('a'), window: WINDOW, writeConcurrency: WRITE_CONCURRENCY };
  return { deps, options, b, transport, fresh };
}

/**
 * A sync of the warm-up mailbox (other events, a database and a Radicale calendar of its own) before the measured
 * one, so that both processes run the measured sync on warm code, as a long-running service and Exchange do — and
 * without the measured items having been served or written before. Its own CPU is reported without a goal: it is
 * what a process's first minute costs.
 */
async function warmUp(face: Face, kind: DatabaseKind, sim: Sim, radicale: RunningDavServer) {
  const test = await createTestDatabase(kind);
  try {
    const { deps, options } = await syncSetUp(test, face, WARMUP_MAILBOX, sim, radicale);
    const run = await measured(sim, () => syncPair(deps, options), `warmup-${face}-${kind}`);
    const created = run.report.counts.a_to_b?.create ?? 0;
    if (created !== WARMUP_EVENTS) throw new Error(`warm-up created ${created} of ${WARMUP_EVENTS} events`);
    return run;
  } finally {
    await test.dispose();
  }
}

function ewsStore(sim: Sim, mailbox: string): EwsCollectionStore {
  return new EwsCollectionStore({
    url: sim.ews,
    auth: { kind: 'basic', username: 'CONTOSO\\svc-sync', password: 'Passw0rd!' },
    mailbox,
    folder: 'calendar',
    timeoutMs: 60_000,
  });
}

function graphStore(sim: Sim, mailbox: string): GraphCollectionStore {
  const tokens = new MsalTokenProvider({
    tenantId: sim.tenantId,
    clientId: DEMO.clientId,
    credential: { kind: 'secret', clientSecret: DEMO.clientSecret },
    authority: `https://login.sim.invalid/${sim.tenantId}`,
    knownAuthorities: ['login.sim.invalid'],
    authorityMetadata: sim.authorityMetadata,
  });
  const client = new GraphClient({ baseUrl: sim.graph, tokens });
  return new GraphCollectionStore({
    client,
    user: mailbox,
    kind: 'calendar',
    folderId: mailbox === WARMUP_MAILBOX ? sim.warmupCalendarGraphId : sim.calendarGraphId,
  });
}

/**
 * Radicale's own time to take the PUTs of a sync: the very bodies the sync wrote, PUT into an empty collection
 * one after another by a plain client (conditional create, as the store sends them). Radicale answers HTTP/1.0
 * and closes every connection, for this client as for the sync. The sync's wall over this is its overhead.
 */
async function putFloor(bodies: readonly string[], url: string, transport: DavTransport): Promise<number> {
  const started = performance.now();
  for (const body of bodies) {
    const response = await transport.fetch(`${url}${randomUUID()}.ics`, {
      method: 'PUT',
      headers: { 'Content-Type': 'text/calendar; charset=utf-8', 'If-None-Match': '*' },
      body,
    });
    await response.arrayBuffer();
    if (response.status !== 201 && response.status !== 204) throw new Error(`PUT floor: ${response.status}`);
  }
  return performance.now() - started;
}

/**
 * What runs: EWS on both databases (or BENCH_DB's), Graph on PostgreSQL (PGlite's run takes minutes and adds no
 * Graph-specific figure); BENCH_FACES=ews|graph|ews,graph picks the faces.
 */
function benchRuns(): [Face, DatabaseKind][] {
  const faces = (process.env.BENCH_FACES ?? 'ews,graph').split(',') as Face[];
  const runs: [Face, DatabaseKind][] = [];
  for (const face of faces) {
    if (face === 'ews') for (const kind of benchBackends()) runs.push(['ews', kind]);
    if (face === 'graph') {
      const kinds = process.env.BENCH_DB ? benchBackends() : benchBackends().filter((k) => k === 'postgres');
      for (const kind of kinds.length > 0 ? kinds : benchBackends()) runs.push(['graph', kind]);
    }
  }
  return runs;
}

/** The databases to run on: both by default, one with BENCH_DB=pglite|postgres (e.g. while profiling). */
function benchBackends(): DatabaseKind[] {
  const only = process.env.BENCH_DB;
  return only ? testBackends.filter((k) => k === only) : testBackends;
}

interface Sim {
  readonly ews: string;
  readonly graph: string;
  readonly tenantId: string;
  readonly authorityMetadata: string;
  readonly calendarGraphId: string;
  readonly warmupCalendarGraphId: string;
  cpuMs(): Promise<number>;
  /** Starts the simulator's CPU profile, written to `file` by `profileEnd`. */
  profile(file: string): Promise<void>;
  profileEnd(): Promise<void>;
  stop(): void;
}

/** The simulator in a process of its own (`sim-server.ts`), so its CPU is told apart from exsync's. */
async function startSim(events: number): Promise<Sim> {
  const child: ChildProcess = spawn(
    process.execPath,
    [...simNodeFlags(), '--import', 'tsx', join(import.meta.dirname, 'sim-server.ts')],
    {
      env: { ...process.env, EVENTS: String(events), WARMUP: String(WARMUP_EVENTS) },
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => JSON.parse(((await lines.next()).value as string | undefined) ?? '{}');
  const coordinates = (await next()) as Pick<
    Sim,
    'ews' | 'graph' | 'tenantId' | 'authorityMetadata' | 'calendarGraphId' | 'warmupCalendarGraphId'
  >;
  return {
    ...coordinates,
    async cpuMs() {
      child.stdin!.write('cpu\n');
      return ((await next()) as { cpuMs: number }).cpuMs;
    },
    async profile(file) {
      child.stdin!.write(`profile ${file}\n`);
      await next();
    },
    async profileEnd() {
      child.stdin!.write('profile-end\n');
      await next();
    },
    stop() {
      child.stdin?.end();
      if (child.exitCode === null) child.kill('SIGTERM');
    },
  };
}

async function measured<T>(sim: Sim, run: () => Promise<T & { outcome: string }>, profile?: string) {
  const simBefore = await sim.cpuMs();
  // BENCH_PROF=<dir>: V8 CPU profiles of this run alone, exsync's and the simulator's (`--cpu-prof` would mix in
  // start-up, migrations and the checks after the run).
  const profileDir = profile ? process.env.BENCH_PROF : undefined;
  if (profileDir) await sim.profile(join(profileDir, `${profile}-simulator.cpuprofile`));
  const stopProfile = profileDir ? await startProfile() : undefined;
  const before = process.cpuUsage();
  const started = performance.now();
  const report = await run();
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(before);
  if (profileDir && stopProfile) {
    await stopProfile(join(profileDir, `${profile}.cpuprofile`));
    await sim.profileEnd();
  }
  const simMs = (await sim.cpuMs()) - simBefore;
  if (report.outcome !== 'success') throw new Error(`the run ended ${report.outcome}`);
  return {
    report,
    wallMs,
    cpuMs: (used.user + used.system) / 1000,
    userMs: used.user / 1000,
    systemMs: used.system / 1000,
    simMs,
  };
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
