import { RetryableError } from '@exsync/core';
import { MemoryStore, sampleEvent, sampleTask } from '@exsync/core/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { liveSkipReason, type RunningDavServer } from '../../../../packages/dav/src/testing/dav-servers';
import type { SyncRuntime } from '../jobs/sync-runtime';
import { APP_PASSWORD, type E2e, startE2e } from '../testing/e2e';
import { bearer, type TestApp, WITH_POSTGRES } from '../testing/harness';

/**
 * Run records as the API shows them: one record per pair run, finished whatever ended it, and the user's state
 * naming the cause. The Exchange side is an in-memory store (the seam `exchangeStores`), Nextcloud a real Radicale.
 */
const skip = liveSkipReason('radicale');

const engines = [
  ['PGlite', false],
  ['PostgreSQL', true],
] as const;

for (const [engine, postgres] of engines)
  describe.skipIf(skip || (postgres && !WITH_POSTGRES))(`run records of a user sync (${engine})`, () => {
    let e: E2e;
    let radicale: RunningDavServer;
    let t: TestApp;
    let sync: SyncRuntime;
    let tenantKey: string;
    let exchange: MemoryStore;
    let tasks: MemoryStore;
    let workerLog: string[];

    beforeAll(async () => {
      e = await startE2e({ postgres, kinds: { events: true, tasks: true } });
      ({ radicale, t, log: workerLog } = e);
      tenantKey = e.tenant.key;
      sync = await e.runtime({
        exchangeStores: ({ kind }) =>
          kind.name === 'tasks'
            ? { store: tasks, collectionId: 'memory-tasks' }
            : { store: exchange, collectionId: 'memory-calendar' },
      });
    }, 60_000);

    afterAll(async () => {
      await e?.close();
    });

    beforeEach(async () => {
      exchange = new MemoryStore({ hrefPrefix: '/x/' });
      tasks = new MemoryStore({ hrefPrefix: '/t/' });
      await t.db.query('DELETE FROM sync_runs');
      await t.db.query('DELETE FROM collection_pairs');
      await t.db.query(
        "UPDATE users SET last_sync_at = NULL, last_attempt_at = NULL, state = 'active', state_reason = NULL, state_code = NULL",
      );
      await t.db.query('DELETE FROM exsync_jobs.sync_jobs');
    });

    const get = (path: string) => t.app.inject({ method: 'GET', url: `/v1/users/${path}`, headers: bearer(tenantKey) });
    const post = (path: string) =>
      t.app.inject({ method: 'POST', url: `/v1/users/${path}`, headers: bearer(tenantKey), payload: {} });

    it('a pair failing with an unexpected error leaves one finished `failed` run, none `running`, and the user in error', async () => {
      exchange.listWindow = () => {
        throw new TypeError("Cannot read properties of undefined (reading 'href')");
      };
      exchange.changesSince = async () => {
        throw new TypeError("Cannot read properties of undefined (reading 'href')");
      };
      expect((await post('alice/sync')).statusCode).toBe(200);
      expect(await sync.worker.runOnce()).toBe(true);
      const runs = (await get('alice/runs')).json().items as {
        kind: string;
        outcome: string;
        error: string | null;
        finishedAt: string | null;
      }[];
      expect(runs).toHaveLength(2); // one record per run: events (failed) and tasks (fine), no second failed run
      expect(runs.filter((r) => r.outcome === 'running')).toEqual([]);
      const events = runs.filter((r) => r.kind === 'event');
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ outcome: 'failed', error: expect.stringContaining('TypeError') });
      expect(events[0]?.finishedAt).not.toBeNull();
      const user = (await get('alice')).json();
      expect(user.state).toBe('error');
      expect(user.stateCode).toBe('internal_error');
      expect(user.stateReason).toContain('TypeError');
      expect(user.lastSyncAt).toBeNull(); // only a successful sync sets it
      expect(user.lastSuccessAt).toBeNull();
      expect(user.lastAttemptAt).not.toBeNull(); // every finished sync is an attempt
      // Loud: an error-level line with the stack, not a warning with a message.
      const line = workerLog.map((l) => JSON.parse(l)).find((l) => l.err?.type === 'TypeError');
      expect(line).toMatchObject({ level: 50, err: { stack: expect.stringContaining('TypeError') } });
    }, 60_000);

    it('lastRun summarises the whole sync (every item kind: counts summed, the worst outcome); lastSyncAt moves only on success', async () => {
      const soon = new Date(Date.now() + 2 * 86_400_000);
      const at = (h: number) => new Date(soon.getTime() + h * 3_600_000).toISOString();
      exchange.put(sampleEvent('e1', at(1)));
      exchange.put(sampleEvent('e2', at(3)));
      tasks.put(sampleTask('t1'));
      expect((await post('alice/sync')).statusCode).toBe(200);
      expect(await sync.worker.runOnce()).toBe(true);
      const first = (await get('alice')).json();
      expect(first).toMatchObject({ state: 'active', stateCode: null });
      expect(first.lastRun).toMatchObject({ outcome: 'success', counts: { exchange_to_nextcloud: { create: 3 } } });
      expect(first.lastSyncAt).not.toBeNull();
      expect(first.lastSuccessAt).toBe(first.lastSyncAt);
      expect(first.lastAttemptAt).toBe(first.lastSuccessAt); // a success is also the last attempt

      // Next sync: events fine, tasks fail. lastRun is that whole sync, failed; lastSyncAt stays where it was.
      tasks.changesSince = async () => {
        throw new TypeError('boom');
      };
      tasks.listWindow = () => {
        throw new TypeError('boom');
      };
      exchange.put(sampleEvent('e3', at(5)));
      expect((await post('alice/sync')).statusCode).toBe(200);
      expect(await sync.worker.runOnce()).toBe(true);
      const second = (await get('alice')).json();
      expect(second.lastRun).toMatchObject({ outcome: 'failed', counts: { exchange_to_nextcloud: { create: 1 } } });
      expect(second.lastRun.error).toContain('TypeError: boom');
      expect(second.lastSyncAt).toBe(first.lastSyncAt);
      // lastSuccessAt and lastAttemptAt part: the failed sync is an attempt, not a success.
      expect(second.lastSuccessAt).toBe(first.lastSuccessAt);
      expect(Date.parse(second.lastAttemptAt)).toBeGreaterThan(Date.parse(first.lastAttemptAt));
      const runs = (await get('alice/runs')).json().items as { syncId: string | null; kind: string }[];
      expect(runs).toHaveLength(4); // two kinds, two syncs: one record per run
      // The runs of one sync (both kinds) carry its id: two syncs, two ids, each on one event and one task run.
      const bySync = new Map<string | null, string[]>();
      for (const r of runs) bySync.set(r.syncId, [...(bySync.get(r.syncId) ?? []), r.kind]);
      expect([...bySync.keys()].every((id) => typeof id === 'string')).toBe(true);
      expect([...bySync.values()].map((kinds) => kinds.sort())).toEqual([
        ['event', 'task'],
        ['event', 'task'],
      ]);
    }, 60_000);

    it('a partial run (writes failed) says so in the user state and is retried within minutes, not at the next interval', async () => {
      expect((await post('alice/sync')).statusCode).toBe(200);
      expect(await sync.worker.runOnce()).toBe(true); // creates the collections
      // Two tasks written in Nextcloud; Exchange is down for writes (503) while the run copies them.
      const auth = { authorization: `Basic ${Buffer.from(`alice:${APP_PASSWORD}`).toString('base64')}` };
      for (const uid of ['w1', 'w2']) {
        const put = await fetch(`${radicale.baseUrl}alice/exchange-tasks/${uid}.ics`, {
          method: 'PUT',
          headers: { ...auth, 'content-type': 'text/calendar; charset=utf-8' },
          body: `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VTODO\r\nUID:${uid}\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Task ${uid}\r\nEND:VTODO\r\nEND:VCALENDAR\r\n`,
        });
        expect(put.status).toBeLessThan(300);
      }
      const create = tasks.create.bind(tasks);
      tasks.create = async () => {
        throw new RetryableError('Exchange is unavailable (HTTP 503); try again later');
      };
      expect((await post('alice/sync')).statusCode).toBe(200);
      const before = Date.now();
      expect(await sync.worker.runOnce()).toBe(true);
      const user = (await get('alice')).json();
      expect(user).toMatchObject({ state: 'error', stateCode: 'items_failed' });
      expect(user.stateReason).toContain('2 items');
      expect(user.stateReason).toContain('HTTP 503');
      const [alice] = await t.db.query<{ id: string }>("SELECT id FROM users WHERE nc_user_id = 'alice'");
      const job = await sync.queue.pendingFor(alice!.id);
      expect(job?.state).toBe('queued');
      expect(job!.runAfter.getTime() - before).toBeLessThan(5 * 60_000); // within minutes

      // Exchange takes writes again. Neither side reports a change, yet the pair is not quiet: its retry list (as
      // the sync's context reads it) holds the two tasks, and this sync writes them.
      tasks.create = create;
      expect((await post('alice/sync')).statusCode).toBe(200);
      while (await sync.worker.runOnce()) {}
      expect((await get('alice')).json()).toMatchObject({ state: 'active' });
      expect(tasks.findByUid('w1')?.item).toMatchObject({ summary: 'Task w1' });
      expect(tasks.findByUid('w2')?.item).toMatchObject({ summary: 'Task w2' });
    }, 60_000);

    it.skipIf(postgres)(
      'a PGlite query failing mid-run fails the pair run cleanly (recorded with the reason, retried) and never the process; the next sync works',
      async () => {
        const at = (h: number) => new Date(Date.now() + 2 * 86_400_000 + h * 3_600_000).toISOString();
        for (let i = 0; i < 4; i++) exchange.put(sampleEvent(`q${i}`, at(i)));
        const crashes: unknown[] = [];
        const onCrash = (error: unknown) => crashes.push(error);
        process.on('uncaughtException', onCrash);
        process.on('unhandledRejection', onCrash);
        // Once Exchange's side has been read, the status table is gone: every status query meets a real PGlite error.
        let broken = false;
        const getMany = exchange.getMany.bind(exchange);
        exchange.getMany = async function* (hrefs, signal) {
          for await (const r of getMany(hrefs, signal)) yield r;
          if (!broken) await t.db.query('ALTER TABLE item_links RENAME TO item_links_away');
          broken = true;
        };
        try {
          expect((await post('alice/sync')).statusCode).toBe(200);
          expect(await sync.worker.runOnce()).toBe(true);
        } finally {
          process.off('uncaughtException', onCrash);
          process.off('unhandledRejection', onCrash);
          exchange.getMany = getMany;
          await t.db.query('ALTER TABLE item_links_away RENAME TO item_links');
        }
        expect(crashes).toEqual([]);
        const runs = (await get('alice/runs')).json().items as {
          kind: string;
          outcome: string;
          error: string | null;
        }[];
        expect(runs.filter((r) => r.outcome === 'running')).toEqual([]);
        const events = runs.filter((r) => r.kind === 'event');
        expect(events).toHaveLength(1);
        expect(events[0]).toMatchObject({
          outcome: 'failed',
          error: expect.stringContaining('relation "item_links" does not exist'),
        });
        const user = (await get('alice')).json();
        expect(user).toMatchObject({ state: 'error', stateCode: 'sync_failed' });
        expect(user.stateReason).toContain('relation "item_links" does not exist');
        const [alice] = await t.db.query<{ id: string }>("SELECT id FROM users WHERE nc_user_id = 'alice'");
        expect(await sync.queue.pendingFor(alice!.id)).toMatchObject({ state: 'queued' }); // retried with back-off

        await t.db.query('UPDATE exsync_jobs.sync_jobs SET run_after = now()');
        expect(await sync.worker.runOnce()).toBe(true);
        expect((await get('alice')).json()).toMatchObject({ state: 'active', stateCode: null });
      },
      60_000,
    );

    it.skipIf(!postgres)(
      'a terminated lock connection fails the pair run cleanly (recorded, retried) and never the process; the next sync works',
      async () => {
        const at = (h: number) => new Date(Date.now() + 2 * 86_400_000 + h * 3_600_000).toISOString();
        for (let i = 0; i < 4; i++) exchange.put(sampleEvent(`k${i}`, at(i)));
        const crashes: unknown[] = [];
        const onCrash = (error: unknown) => crashes.push(error);
        process.on('uncaughtException', onCrash);
        let terminated = false;
        // Once Exchange's side has been read, the connection holding the pair's advisory lock is killed.
        const killLockConnection = async () => {
          if (terminated) return;
          terminated = true;
          const [holder] = await t.db.query<{ pid: number }>(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
          );
          if (!holder) throw new Error('no advisory lock held during the sync');
          await t.db.query('SELECT pg_terminate_backend($1)', [holder.pid]);
          await new Promise((r) => setTimeout(r, 300)); // the client learns of it
        };
        const getMany = exchange.getMany.bind(exchange);
        exchange.getMany = async function* (hrefs, signal) {
          for await (const r of getMany(hrefs, signal)) yield r;
          await killLockConnection();
        };
        try {
          expect((await post('alice/sync')).statusCode).toBe(200);
          expect(await sync.worker.runOnce()).toBe(true);
        } finally {
          process.off('uncaughtException', onCrash);
        }
        expect(crashes).toEqual([]);
        const runs = (await get('alice/runs')).json().items as {
          kind: string;
          outcome: string;
          error: string | null;
        }[];
        const events = runs.filter((r) => r.kind === 'event');
        expect(events).toHaveLength(1);
        expect(events[0]).toMatchObject({ outcome: 'failed', error: expect.stringContaining('pair lock was lost') });
        expect(runs.filter((r) => r.outcome === 'running')).toEqual([]);
        expect((await get('alice')).json()).toMatchObject({ state: 'error', stateCode: 'sync_failed' });
        const [alice] = await t.db.query<{ id: string }>("SELECT id FROM users WHERE nc_user_id = 'alice'");
        expect(await sync.queue.pendingFor(alice!.id)).toMatchObject({ state: 'queued' }); // retried with back-off

        // The pool reconnects by itself: the retry syncs everything.
        exchange.getMany = getMany;
        await t.db.query('UPDATE exsync_jobs.sync_jobs SET run_after = now()');
        expect(await sync.worker.runOnce()).toBe(true);
        expect((await get('alice')).json()).toMatchObject({ state: 'active', stateCode: null });
      },
      60_000,
    );
  });
