/**
 * The push latency scenario, shared by the end-to-end test (a few changes, proves the path) and the benchmark
 * (100 changes each way, prints p50/p95): the real service (API listening on 127.0.0.1, worker, scheduler, renewal
 * timer) with push on and a 24 h interval, the Exchange simulator and Radicale as Nextcloud.
 *
 * - Outlook → Nextcloud: an event created in the simulator; the simulator notifies the service, which syncs the
 *   user; measured until the event's file appears in Radicale's storage.
 * - Nextcloud → Exchange: an event PUT into the user's synced Radicale calendar, then the call the exsync Nextcloud
 *   app makes after such a write (POST /v1/nextcloud-changes with the tenant key; Radicale has no app of its own);
 *   measured from before the PUT until the event is in the simulator's mailbox.
 *
 * The Exchange side is a parameter (`PushBackend`): Graph change notifications (the simulator calls the service's
 * public URL) or EWS streaming notifications (the service holds a GetStreamingEvents connection open itself).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Repositories } from '@exsync/db';
import type { SimulatorHandle } from '@exsync/exchange-sim';
import type { RunningDavServer } from '../../../../packages/dav/src/testing/dav-servers';
import type { SyncRuntime, SyncRuntimeOptions } from '../jobs/sync-runtime';
import { createLogger } from '../logger';
import { EwsPush } from '../push/ews-push';
import { GraphPush } from '../push/graph-push';
import { APP_PASSWORD, startE2e } from './e2e';
import { bearer, type TestApp } from './harness';

export interface PushContext {
  readonly t: TestApp;
  readonly repos: Repositories;
  readonly exchange: SimulatorHandle;
  readonly publicUrl: string;
  readonly userId: string;
}

/** What differs per Exchange protocol. */
export interface PushBackend {
  /** The simulator's face the service connects to (its account and connection come from the e2e harness). */
  readonly name: 'graph' | 'ews';
  /** What the worker process gets to receive this backend's notifications. */
  runtime(ctx: PushContext): Pick<SyncRuntimeOptions, 'push'>;
  /** A watcher the worker process runs beside the runtime (EWS streaming), started after the first sync. */
  watch?(ctx: PushContext, queue: SyncRuntime['queue']): { stop(): Promise<void> };
  /** True once the first sync has set push up for the user. */
  ready(ctx: PushContext): Promise<boolean>;
}

export const graphBackend: PushBackend = {
  name: 'graph',
  runtime: (ctx) => ({ push: new GraphPush({ repos: ctx.repos, vault: ctx.t.vault, publicUrl: ctx.publicUrl }) }),
  ready: async (ctx) => (await ctx.repos.graphSubscriptions.forUser(ctx.userId)).length > 0,
};

export const ewsBackend: PushBackend = {
  name: 'ews',
  runtime: () => ({}),
  // As `exsync serve` runs it in the worker process (defaults: 30-minute connections, one-second debounce).
  watch: (ctx, queue) => {
    const push = new EwsPush({
      repos: ctx.repos,
      vault: ctx.t.vault,
      logger: createLogger('warn'),
      queue,
      reconcileMs: 1000,
    });
    push.start();
    return { stop: () => push.stop() };
  },
  ready: async (ctx) =>
    (await ctx.repos.pushStatus.forUser(ctx.userId)).some(
      (s) => s.side === 'exchange' && s.mode === 'ews-streaming' && s.active,
    ),
};

export interface PushScenario extends PushContext {
  readonly radicale: RunningDavServer;
  readonly runtime: SyncRuntime;
  readonly tenantKey: string;
  /** Creates events in Outlook, one every `spacingMs`; ms from each change until it is in Radicale. */
  outlookToNextcloud(count: number, options?: ChangeOptions): Promise<number[]>;
  /** Writes events in Nextcloud and makes the app's call, one every `spacingMs`; ms until each is in Exchange. */
  nextcloudToExchange(count: number, options?: ChangeOptions): Promise<number[]>;
  close(): Promise<void>;
}

export interface ChangeOptions {
  readonly spacingMs?: number;
  /** Give up on one change after this long (default 60 s): it is reported as missing. */
  readonly timeoutMs?: number;
}

export class MissingChangesError extends Error {
  constructor(direction: string, missing: string[]) {
    super(`${direction}: ${missing.length} change(s) never arrived: ${missing.slice(0, 5).join(', ')}`);
    this.name = 'MissingChangesError';
  }
}

export async function startPushScenario(backend: PushBackend = graphBackend): Promise<PushScenario> {
  // Push on, polling nearly off: a day between scheduled syncs, events only.
  const e = await startE2e({
    simulator: { seed: `exsync-push-latency-${backend.name}` },
    connection: backend.name,
    intervalMinutes: 1440,
    listen: true,
    logLevel: 'warn',
  });
  const { t, repos, radicale, publicUrl, userId, calendarId, tenant } = e;
  const exchange = e.exchange!;
  const user = { id: userId };
  const key = bearer(tenant.key);
  const ok = async (what: string, res: Promise<{ statusCode: number; body: string }>) => {
    const r = await res;
    if (r.statusCode >= 300) throw new Error(`${what}: ${r.statusCode} ${r.body}`);
  };
  const ctx: PushContext = { t, repos, exchange, publicUrl, userId };
  // The worker process as `exsync serve` runs it (defaults: 2 s queue poll, 2 jobs at once), with push.
  const runtime = await e.runtime(backend.runtime(ctx));
  runtime.start();
  const watcher = backend.watch?.(ctx, runtime.queue);

  // The first sync: creates the Radicale calendar and sets push up.
  await ok('first sync', t.app.inject({ method: 'POST', url: '/v1/users/alice/sync', headers: key, payload: {} }));
  await waitFor('the first sync and push set-up', 120_000, async () => {
    const pairs = await t.db.query<{ b: string }>(
      'SELECT b_collection_id AS b FROM collection_pairs WHERE user_id = $1::uuid',
      [user.id],
    );
    return pairs.length > 0 && (await backend.ready(ctx)) && (await runtime.queue.pendingFor(user.id)) === null;
  });
  const [pair] = await t.db.query<{ b: string }>(
    'SELECT b_collection_id AS b FROM collection_pairs WHERE user_id = $1::uuid',
    [user.id],
  );
  const collectionUrl = pair!.b;
  const calendarDir = join(radicale.dataDir, 'collections', 'collection-root', 'alice', 'exchange-calendar');
  const dayMs = 86_400_000;
  const base = Date.now() + 2 * dayMs;

  async function measure(
    direction: string,
    count: number,
    options: ChangeOptions,
    change: (subject: string, i: number) => Promise<void>,
    arrived: () => Promise<Set<string>>,
  ): Promise<number[]> {
    const spacing = options.spacingMs ?? 500;
    const timeout = options.timeoutMs ?? 60_000;
    const started = new Map<string, number>();
    const took = new Map<string, number>();
    const stamp = Date.now().toString(36);
    const subjects = Array.from({ length: count }, (_, i) => `${direction} ${stamp} #${i}`);
    let writing = true;
    const writer = (async () => {
      for (const [i, subject] of subjects.entries()) {
        started.set(subject, performance.now());
        await change(subject, i);
        if (i < count - 1) await sleep(spacing);
      }
      writing = false;
    })();
    const deadline = () => Math.max(...started.values()) + timeout;
    while (writing || (took.size < count && performance.now() < deadline())) {
      const seen = await arrived();
      const now = performance.now();
      for (const s of subjects) {
        const t0 = started.get(s);
        if (t0 !== undefined && !took.has(s) && seen.has(s)) took.set(s, now - t0);
      }
      await sleep(25);
    }
    await writer;
    const missing = subjects.filter((s) => !took.has(s));
    if (missing.length > 0) throw new MissingChangesError(direction, missing);
    return subjects.map((s) => took.get(s)!);
  }

  // Radicale stores one file per item: only files not read yet are opened.
  const radicaleSeen = new Map<string, string>();
  async function radicaleSubjects(): Promise<Set<string>> {
    const names = (await readdir(calendarDir)).filter((n) => n.endsWith('.ics'));
    for (const n of names) {
      if (radicaleSeen.has(n)) continue;
      const text = await readFile(join(calendarDir, n), 'utf8').catch(() => '');
      const m = /^SUMMARY:(.*)$/m.exec(text);
      if (m) radicaleSeen.set(n, m[1]!.trim());
    }
    return new Set(radicaleSeen.values());
  }

  function exchangeSubjects(): Promise<Set<string>> {
    const items = exchange.sim.store.listItems(calendarId) as { subject?: string }[];
    return Promise.resolve(new Set(items.map((i) => i.subject ?? '')));
  }

  const auth = `Basic ${Buffer.from(`alice:${APP_PASSWORD}`).toString('base64')}`;

  return {
    ...ctx,
    radicale,
    runtime,
    tenantKey: tenant.key,
    outlookToNextcloud: (count, options = {}) =>
      measure(
        'outlook-to-nextcloud',
        count,
        options,
        async (subject, i) => {
          const start = base + i * 3_600_000;
          exchange.sim.store.createEvent(calendarId, { subject, start, end: start + 1_800_000 });
        },
        radicaleSubjects,
      ),
    nextcloudToExchange: (count, options = {}) =>
      measure(
        'nextcloud-to-exchange',
        count,
        options,
        async (subject, i) => {
          const uid = `n2o-${Date.now().toString(36)}-${i}@bench.example`;
          const start = new Date(base + dayMs + i * 3_600_000);
          const put = await fetch(`${collectionUrl}${encodeURIComponent(uid)}.ics`, {
            method: 'PUT',
            headers: { authorization: auth, 'content-type': 'text/calendar; charset=utf-8', 'if-none-match': '*' },
            body: icsEvent(uid, subject, start),
          });
          if (put.status >= 300) throw new Error(`Radicale refused the PUT: ${put.status}`);
          // What the Nextcloud app's ChangeNotifier sends at the end of the request that wrote the event.
          const told = await fetch(`${publicUrl}/v1/nextcloud-changes`, {
            method: 'POST',
            headers: { ...bearer(tenant.key), 'content-type': 'application/json' },
            body: JSON.stringify({ changes: [{ ncUserId: 'alice', kind: 'events' }] }),
          });
          if (told.status !== 202) throw new Error(`the service refused the change call: ${told.status}`);
        },
        exchangeSubjects,
      ),
    async close() {
      await watcher?.stop();
      await runtime.stop(2000);
      await e.close();
    },
  };
}

function icsEvent(uid: string, subject: string, start: Date): string {
  const fmt = (d: Date) =>
    d
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
  const end = new Date(start.getTime() + 1_800_000);
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//exsync//push latency//EN',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    `DTSTAMP:${fmt(new Date())}`,
    `DTSTART:${fmt(start)}`,
    `DTEND:${fmt(end)}`,
    `SUMMARY:${subject}`,
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

async function waitFor(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Nearest-rank percentile of `values` (ms). */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? Number.NaN;
}
