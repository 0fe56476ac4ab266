import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SimulatorHandle } from '@exsync/exchange-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveSkipReason, type RunningDavServer } from '../../../../../packages/dav/src/testing/dav-servers';
import type { SyncRuntime } from '../../jobs/sync-runtime';
import { type E2e, startE2e } from '../../testing/e2e';
import { bearer, type TestApp } from '../../testing/harness';

/**
 * A mass deletion in Exchange, held and decided through the API, end to end: the simulator (EWS), a real Radicale
 * standing in for Nextcloud, the service's worker and its REST API.
 */
const skip = liveSkipReason('radicale');

describe.skipIf(skip)('held deletions decided through the API, end to end (EWS simulator ⇄ Radicale)', () => {
  let e: E2e;
  let radicale: RunningDavServer;
  let exchange: SimulatorHandle;
  let t: TestApp;
  let sync: SyncRuntime;
  let key: string;
  let calendarId: string;

  beforeAll(async () => {
    e = await startE2e({ simulator: { seed: 'exsync-review-e2e' }, logLevel: 'silent' });
    ({ radicale, t, calendarId } = e);
    exchange = e.exchange!;
    key = e.tenant.key;
    const day = Date.now() + 2 * 86_400_000;
    for (let i = 0; i < 14; i++) {
      const start = day + i * 3_600_000;
      exchange.sim.store.createEvent(calendarId, { subject: `Meeting ${i}`, start, end: start + 1_800_000 });
    }
    sync = await e.runtime();
  }, 60_000);

  afterAll(async () => {
    await e?.close();
  });

  const api = (method: 'GET' | 'POST', path: string, payload?: object) =>
    t.app.inject({ method, url: `/v1/users/alice${path}`, headers: bearer(key), ...(payload ? { payload } : {}) });
  const syncNow = async () => {
    expect((await api('POST', '/sync', {})).statusCode).toBe(200);
    while (await sync.worker.runOnce()) {}
  };
  const state = async () => (await api('GET', '')).json().state as string;
  const exchangeSubjects = () =>
    exchange.sim.store
      .listItems(calendarId)
      .map((e) => (e as { subject: string }).subject)
      .sort();
  async function radicaleSubjects(): Promise<string[]> {
    const dir = join(radicale.dataDir, 'collections', 'collection-root', 'alice', 'exchange-calendar');
    const names = (await readdir(dir)).filter((n) => n.endsWith('.ics'));
    const texts = await Promise.all(names.map((n) => readFile(join(dir, n), 'utf8')));
    return texts.map((text) => /^SUMMARY:(.*)\r?$/m.exec(text)?.[1] ?? '').sort();
  }

  it('holds 8 of 14 deletions, lists them, restores some and applies the rest; review ends only then', async () => {
    await syncNow();
    const all = Array.from({ length: 14 }, (_, i) => `Meeting ${i}`).sort();
    expect(await radicaleSubjects()).toEqual(all);
    const radicaleBefore = await radicaleSubjects();

    const doomed = exchange.sim.store.listItems(calendarId).slice(0, 8);
    for (const item of doomed) exchange.sim.store.deleteItem(item.id);
    await syncNow();
    expect(await state()).toBe('needs_review');
    expect(await radicaleSubjects(), 'nothing deleted in Nextcloud yet').toEqual(radicaleBefore);

    const held = (await api('GET', '/held-deletions')).json().items as { id: string; summary: string }[];
    const doomedSubjects = doomed.map((e) => (e as { subject: string }).subject).sort();
    expect(held.map((h) => h.summary).sort()).toEqual(doomedSubjects);
    expect(held.every((h) => (h as unknown as { deletedIn: string }).deletedIn === 'exchange')).toBe(true);

    // A normal sync neither forgets the held deletions nor asks again.
    await syncNow();
    expect(await state()).toBe('needs_review');
    expect((await api('GET', '/held-deletions')).json().items).toHaveLength(8);

    const restore = held.slice(0, 3);
    const decided = await api('POST', '/held-deletions/decision', {
      decision: 'restore',
      ids: restore.map((h) => h.id),
    });
    expect(decided.json()).toMatchObject({ decided: 3, notHeld: [] });
    while (await sync.worker.runOnce()) {}
    expect(await state(), 'five are still undecided').toBe('needs_review');
    const kept = all.filter((s) => !doomedSubjects.includes(s));
    expect(exchangeSubjects(), 'restored on the side that deleted them').toEqual(
      [...kept, ...restore.map((h) => h.summary)].sort(),
    );

    const rest = await api('POST', '/held-deletions/decision', { decision: 'apply', all: true });
    expect(rest.json().decided).toBe(5);
    while (await sync.worker.runOnce()) {}
    expect(await state()).toBe('active');
    expect((await api('GET', '/held-deletions')).json().items).toEqual([]);
    const expected = [...kept, ...restore.map((h) => h.summary)].sort();
    expect(await radicaleSubjects()).toEqual(expected);
    expect(exchangeSubjects()).toEqual(expected);
    await syncNow();
    const last = (await api('GET', '/runs?limit=1')).json().items[0];
    expect(last.counts, 'nothing else changed').toEqual({});
  });
});
