import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPolicy, syncPair } from '@exsync/core';
import { DavCollectionStore, DavTransport, ensureCollection } from '@exsync/dav';
import { EwsCollectionStore } from '@exsync/exchange';
import type { RunningDavServer } from '../packages/dav/src/testing/dav-servers';
import { migrate } from '../packages/db/src/migrator';
import { AdvisoryPairLock, PrismaStatusStore } from '../packages/db/src/status-store';
import { createTestDatabase } from '../packages/db/src/testing/test-database';
import { isDavMailInstalled, startDavMail } from '../packages/exchange-sim/src/testing/davmail';
import { assertSameItems, radicaleHoldings } from './dav-check';
import { DAV_PASSWORD, davUser, mailboxAddress, OWNER_PASSWORD, SIM_SERVICE, WINDOW } from './mailbox-layout';
import { findDescendant, processCpuMs } from './proc';
import { startBenchRadicale } from './radicale';
import { type Result, result } from './results';
import { type SimProcess, startSimProcess } from './sim-process';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1000);
/**
 * Items exsync writes at once during an initial sync: the service's default (EXSYNC_WRITE_CONCURRENCY, 4;
 * BENCH_WRITE_CONCURRENCY to change it). The Radicale floor is measured at this concurrency too, so the ratio
 * compares like with like.
 */
const EXSYNC_PUT_CONCURRENCY = Number(process.env.BENCH_WRITE_CONCURRENCY ?? 4);
/** A pipelined floor for comparison, whatever exsync does. */
const PIPELINED = 4;
const USER = davUser(0);
const MAILBOX = mailboxAddress(0);

/**
 * Issue 14's references, side by side in one run on one simulator and one Radicale: exsync's initial sync of one
 * mailbox of 1,000 events (EWS → Radicale, PostgreSQL status store) against (a) Radicale's own time to take the
 * same 1,000 PUTs (the floor: the very bodies exsync wrote, sequential and at exsync's concurrency) and (b) the
 * DIY pipeline DavMail (EWS → CalDAV) + vdirsyncer (CalDAV → CalDAV) when Debian's packages are installed
 * (scripts/bench/install-reference.sh). Wall and CPU of the syncing processes only: the simulator and Radicale
 * are servers both sides share; their CPU is reported apart. Every copy is checked against the mailbox.
 */
export async function referenceBenchmarks(): Promise<Result[]> {
  const results: Result[] = [];
  const sim = await startSimProcess({ users: 1, events: EVENTS });
  const radicale = await startBenchRadicale(USER, DAV_PASSWORD);
  try {
    const radicalePid = findDescendant(process.pid, radicale.dataDir);
    const radicaleCpu = () => (radicalePid ? processCpuMs(radicalePid) : 0);
    const expected = await sim.items(0);
    const label = `initial sync of ${EVENTS} events EWS → Radicale`;

    const exsync = await exsyncInitialSync(sim, radicale, radicaleCpu);
    assertSameItems(`exsync, ${label}`, expected, radicaleHoldings(radicale.dataDir, USER, 'exsync'), ['event']);
    console.log(
      `exsync ${label}: ${ms(exsync.wallMs)} wall, ${ms(exsync.cpuMs)} CPU (simulator ${ms(exsync.simMs)}, ` +
        `Radicale ${ms(exsync.radicaleMs)})`,
    );
    results.push(
      result(`exsync ${label} (PostgreSQL): wall`, 'ms', exsync.wallMs),
      result(`exsync ${label} (PostgreSQL): CPU of exsync`, 'ms', exsync.cpuMs),
      result(`exsync ${label} (PostgreSQL): CPU per item`, 'ms', exsync.cpuMs / EVENTS, 2),
    );

    // The floor: the same bodies, PUT straight into fresh collections of the same Radicale.
    const bodies = readCollection(radicale.dataDir, USER, 'exsync');
    const floors = new Map<number, number>();
    for (const concurrency of [...new Set([1, EXSYNC_PUT_CONCURRENCY, PIPELINED])]) {
      const floor = await putFloor(radicale, bodies, concurrency, radicaleCpu);
      assertSameItems(
        `Radicale floor ×${concurrency}`,
        expected,
        radicaleHoldings(radicale.dataDir, USER, floor.collection),
        ['event'],
      );
      floors.set(concurrency, floor.wallMs);
      console.log(
        `Radicale floor, ${EVENTS} PUTs ${concurrency === 1 ? 'one at a time' : `${concurrency} at a time`}: ` +
          `${ms(floor.wallMs)} wall (Radicale ${ms(floor.radicaleMs)} CPU)`,
      );
      results.push(
        result(`Radicale floor: ${EVENTS} PUTs of those events, ${concurrency} at a time, wall`, 'ms', floor.wallMs),
      );
    }
    results.push(
      result(
        `exsync ${label}: wall ÷ Radicale floor at exsync's concurrency (${EXSYNC_PUT_CONCURRENCY})`,
        '×',
        exsync.wallMs / floors.get(EXSYNC_PUT_CONCURRENCY)!,
        1.25,
      ),
    );

    const missing = referenceMissing();
    if (missing) {
      console.log(`DavMail + vdirsyncer reference skipped: ${missing}`);
    } else {
      const pipeline = await davmailVdirsyncer(sim, radicale);
      assertSameItems(
        `DavMail + vdirsyncer, ${label}`,
        expected,
        radicaleHoldings(radicale.dataDir, USER, 'pipeline'),
        ['event'],
      );
      console.log(
        `DavMail + vdirsyncer ${label}: ${ms(pipeline.wallMs)} wall, ${ms(pipeline.cpuMs)} CPU ` +
          `(DavMail ${ms(pipeline.davmailMs)}, vdirsyncer ${ms(pipeline.vdirsyncerMs)}; simulator ${ms(pipeline.simMs)})`,
      );
      results.push(
        result(`DavMail + vdirsyncer ${label}: wall`, 'ms', pipeline.wallMs),
        result(`DavMail + vdirsyncer ${label}: CPU of DavMail's JVM + vdirsyncer`, 'ms', pipeline.cpuMs),
        // Goals as ceilings: ≥ 2.5× faster is a wall ratio of at most 0.4.
        result(
          `exsync ÷ DavMail + vdirsyncer, ${label}: wall (≥ 2.5× faster)`,
          '×',
          exsync.wallMs / pipeline.wallMs,
          0.4,
        ),
        result(`exsync ÷ DavMail + vdirsyncer, ${label}: CPU`, '×', exsync.cpuMs / pipeline.cpuMs, 0.5),
      );
    }
  } finally {
    await radicale.stop();
    sim.stop();
  }
  return results;
}

const ms = (x: number) => `${x.toFixed(0)} ms`;

async function exsyncInitialSync(sim: SimProcess, radicale: RunningDavServer, radicaleCpu: () => number) {
  const test = await createTestDatabase(process.env.EXSYNC_TEST_POSTGRES === 'off' ? 'pglite' : 'postgres');
  try {
    await migrate(test.db);
    const prisma = test.db.prisma;
    const tenant = await prisma.tenant.create({ data: { name: 't', nextcloudUrl: radicale.baseUrl } });
    const user = await prisma.user.create({
      data: { tenantId: tenant.id, ncUserId: USER, loginName: USER, appPasswordCiphertext: 'x', appPasswordKeyId: 'k' },
    });
    const pair = await prisma.collectionPair.create({
      data: { userId: user.id, kind: 'event', aCollectionId: 'calendar', bCollectionId: 'b' },
    });
    const transport = new DavTransport({ credentials: { username: USER, password: DAV_PASSWORD }, timeoutMs: 60_000 });
    const info = await ensureCollection(
      { url: `${radicale.baseUrl}${USER}/exsync/`, type: 'calendar', components: ['VEVENT'] },
      transport,
    );
    const b = new DavCollectionStore({ transport, url: info.url, type: 'calendar', components: info.components });
    const a = new EwsCollectionStore({
      url: sim.ews,
      auth: {
        kind: 'basic',
        username: `${SIM_SERVICE.domain}\\${SIM_SERVICE.username}`,
        password: SIM_SERVICE.password,
      },
      mailbox: MAILBOX,
      folder: 'calendar',
      timeoutMs: 60_000,
    });
    const deps = { a, b, status: new PrismaStatusStore(test.db), lock: new AdvisoryPairLock(test.db) };
    const simBefore = await sim.cpuMs();
    const radicaleBefore = radicaleCpu();
    const before = process.cpuUsage();
    const started = performance.now();
    const report = await syncPair(deps, {
      pair: pair.id,
      policy: defaultPolicy('a'),
      window: WINDOW,
      writeConcurrency: EXSYNC_PUT_CONCURRENCY,
    });
    const wallMs = performance.now() - started;
    const used = process.cpuUsage(before);
    if (report.outcome !== 'success') throw new Error(`exsync's initial sync ended ${report.outcome}`);
    return {
      wallMs,
      cpuMs: (used.user + used.system) / 1000,
      simMs: (await sim.cpuMs()) - simBefore,
      radicaleMs: radicaleCpu() - radicaleBefore,
    };
  } finally {
    await test.dispose();
  }
}

/** The objects of a Radicale collection as stored: file name (its href) and body. */
function readCollection(dataDir: string, user: string, collection: string): { name: string; body: string }[] {
  const dir = join(dataDir, 'collections', 'collection-root', user, collection);
  return readdirSync(dir)
    .filter((f) => !f.startsWith('.'))
    .map((name) => ({ name, body: readFileSync(join(dir, name), 'utf8') }));
}

/** Radicale taking `bodies` as plain PUTs, `concurrency` in flight: the least any client can take. */
async function putFloor(
  radicale: RunningDavServer,
  bodies: readonly { name: string; body: string }[],
  concurrency: number,
  radicaleCpu: () => number,
) {
  const collection = `floor-${concurrency}`;
  const transport = new DavTransport({ credentials: { username: USER, password: DAV_PASSWORD }, timeoutMs: 60_000 });
  const info = await ensureCollection(
    { url: `${radicale.baseUrl}${USER}/${collection}/`, type: 'calendar', components: ['VEVENT'] },
    transport,
  );
  const authorization = `Basic ${Buffer.from(`${USER}:${DAV_PASSWORD}`).toString('base64')}`;
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < bodies.length; i = next++) {
      const { name, body } = bodies[i]!;
      const res = await fetch(`${info.url}${encodeURIComponent(name)}`, {
        method: 'PUT',
        headers: { authorization, 'content-type': 'text/calendar; charset=utf-8', 'if-none-match': '*' },
        body,
      });
      await res.arrayBuffer();
      if (res.status !== 201 && res.status !== 204) throw new Error(`floor PUT ${name}: HTTP ${res.status}`);
    }
  };
  const radicaleBefore = radicaleCpu();
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, lane));
  return { collection, wallMs: performance.now() - started, radicaleMs: radicaleCpu() - radicaleBefore };
}

/** Why the DavMail + vdirsyncer reference cannot run here, or undefined when it can. */
function referenceMissing(): string | undefined {
  const absent = [...(isDavMailInstalled() ? [] : ['davmail']), ...(commandExists('vdirsyncer') ? [] : ['vdirsyncer'])];
  return absent.length > 0
    ? `${absent.join(' and ')} not installed (run scripts/bench/install-reference.sh)`
    : undefined;
}

function commandExists(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * DavMail serves the mailbox as CalDAV (signing in as its owner); vdirsyncer copies that calendar into a fresh
 * Radicale collection. Timed: `vdirsyncer sync` (DavMail's start and vdirsyncer's `discover` are set-up, as
 * exsync's collection discovery is outside its figure); CPU: DavMail's JVM over the sync plus vdirsyncer's own.
 */
async function davmailVdirsyncer(sim: SimProcess, radicale: RunningDavServer) {
  const davmail = await startDavMail(sim.ews);
  const dir = mkdtempSync(join(tmpdir(), 'exsync-vdirsyncer-'));
  try {
    const jvm = findDescendant(process.pid, 'davmail.jar');
    if (!jvm) throw new Error("DavMail's JVM not found among this process's children");
    const transport = new DavTransport({ credentials: { username: USER, password: DAV_PASSWORD }, timeoutMs: 60_000 });
    const target = await ensureCollection(
      { url: `${radicale.baseUrl}${USER}/pipeline/`, type: 'calendar', components: ['VEVENT'] },
      transport,
    );
    const config = join(dir, 'config');
    writeFileSync(
      config,
      [
        '[general]',
        `status_path = "${join(dir, 'status')}/"`,
        '[pair bench]',
        'a = "davmail"',
        'b = "radicale"',
        'collections = null',
        'conflict_resolution = "a wins"',
        '[storage davmail]',
        'type = "caldav"',
        `url = "${davmail.caldavUrl}/users/${MAILBOX}/calendar/"`,
        `username = "${MAILBOX}"`,
        `password = "${OWNER_PASSWORD}"`,
        '[storage radicale]',
        'type = "caldav"',
        `url = "${target.url}"`,
        `username = "${USER}"`,
        `password = "${DAV_PASSWORD}"`,
        '',
      ].join('\n'),
    );
    await vdirsyncer(config, ['discover', 'bench'], dir);
    const simBefore = await sim.cpuMs();
    const jvmBefore = processCpuMs(jvm);
    const started = performance.now();
    const vdirsyncerMs = await vdirsyncer(config, ['sync', 'bench'], dir);
    const wallMs = performance.now() - started;
    const davmailMs = processCpuMs(jvm) - jvmBefore;
    return {
      wallMs,
      davmailMs,
      vdirsyncerMs,
      cpuMs: davmailMs + vdirsyncerMs,
      simMs: (await sim.cpuMs()) - simBefore,
    };
  } finally {
    await davmail.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs vdirsyncer under a small Python parent that reports its children's CPU (getrusage), so its cost is
 * measured as the kernel counted it; returns that CPU in ms and throws with vdirsyncer's output on failure.
 */
function vdirsyncer(config: string, args: string[], dir: string): Promise<number> {
  const usage = join(dir, 'rusage.json');
  const wrapper = [
    'import json, resource, subprocess, sys',
    'r = subprocess.run(sys.argv[2:], input=b"y\\n" * 10, capture_output=True)',
    'u = resource.getrusage(resource.RUSAGE_CHILDREN)',
    'json.dump({"rc": r.returncode, "cpu": u.ru_utime + u.ru_stime,',
    '  "out": (r.stdout + r.stderr).decode(errors="replace")[-4000:]}, open(sys.argv[1], "w"))',
  ].join('\n');
  return new Promise((done, fail) => {
    const child = spawn('/usr/bin/python3', ['-c', wrapper, usage, 'vdirsyncer', '-c', config, ...args], {
      stdio: 'ignore',
    });
    child.once('error', fail);
    child.once('exit', () => {
      try {
        const r = JSON.parse(readFileSync(usage, 'utf8')) as { rc: number; cpu: number; out: string };
        if (r.rc !== 0) fail(new Error(`vdirsyncer ${args.join(' ')} exited ${r.rc}: ${r.out}`));
        else done(r.cpu * 1000);
      } catch (error) {
        fail(error);
      }
    });
  });
}
