import { createHash, generateKeyPairSync } from 'node:crypto';
import {
  AuthError,
  type Change,
  type CollectionStore,
  type FetchedItem,
  InvalidSyncTokenError,
  PreconditionFailedError,
  RetryableError,
} from '@exsync/core';
import { sampleEvent } from '@exsync/core/testing';
import { DEMO } from '@exsync/exchange-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphClient } from './graph-client';
import { GraphCollectionStore } from './graph-collection-store';
import { ALICE, type GraphTestBed, startGraphTestBed } from './test-support';
import { MsalTokenProvider } from './token-provider';

const WINDOW = { start: '2030-03-01T00:00:00Z', end: '2030-04-01T00:00:00Z' };

let bed: GraphTestBed;
beforeAll(async () => {
  bed = await startGraphTestBed();
});
afterAll(() => bed.close());

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of it) out.push(v);
  return out;
}

async function fetchOne(store: CollectionStore, href: string): Promise<FetchedItem> {
  const [r] = await collect(store.getMany([href]));
  if (!r?.found) throw new Error(`expected ${href} to be found`);
  return r.fetched;
}

async function drain(store: CollectionStore, token: string): Promise<{ changes: Change[]; nextToken: string }> {
  const changes: Change[] = [];
  let next = token;
  for (;;) {
    const set = await store.changesSince(next);
    changes.push(...set.changes);
    next = set.nextToken;
    if (!set.more) return { changes, nextToken: next };
  }
}

const tokenPosts = () => bed.sim.requests({ face: 'entra' }).filter((r) => r.url.includes('/oauth2/v2.0/token')).length;

describe('Entra client credentials through msal-node', () => {
  it('gets a Graph token with a client secret from the simulator and reuses it from msal’s cache', async () => {
    const provider = new MsalTokenProvider({
      tenantId: bed.sim.tenantId,
      clientId: DEMO.clientId,
      credential: { kind: 'secret', clientSecret: DEMO.clientSecret },
      authority: `https://login.sim.invalid/${bed.sim.tenantId}`,
      knownAuthorities: ['login.sim.invalid'],
      authorityMetadata: bed.sim.msalAuthorityMetadata(),
    });
    const before = tokenPosts();
    const token = await provider.getToken();
    expect((await bed.sim.tokens.verify(`Bearer ${token}`, 'graph')).ok).toBe(true);
    expect(await provider.getToken()).toBe(token);
    expect(tokenPosts() - before).toBe(1);
  });

  it('gets a token with a certificate (client assertion)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const thumb = createHash('sha256')
      .update(publicKey.export({ type: 'spki', format: 'der' }))
      .digest('hex');
    const app = bed.sim.directory.addApp({
      clientId: 'c0c0c0c0-0000-4000-8000-0000000ce272',
      certificates: [{ publicKey, thumbprintSha256: thumb }],
    });
    const provider = new MsalTokenProvider({
      tenantId: bed.sim.tenantId,
      clientId: app.clientId,
      credential: {
        kind: 'certificate',
        thumbprintSha256: thumb,
        privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      },
      authority: `https://login.sim.invalid/${bed.sim.tenantId}`,
      knownAuthorities: ['login.sim.invalid'],
      authorityMetadata: bed.sim.msalAuthorityMetadata(),
    });
    expect((await bed.sim.tokens.verify(`Bearer ${await provider.getToken()}`, 'graph')).ok).toBe(true);
  });

  it('turns a refused secret into an AuthError', async () => {
    const provider = new MsalTokenProvider({
      tenantId: bed.sim.tenantId,
      clientId: DEMO.clientId,
      credential: { kind: 'secret', clientSecret: 'wrong' },
      authority: `https://login.sim.invalid/${bed.sim.tenantId}`,
      knownAuthorities: ['login.sim.invalid'],
      authorityMetadata: bed.sim.msalAuthorityMetadata(),
    });
    await expect(provider.getToken()).rejects.toBeInstanceOf(AuthError);
  });
});

describe('GraphCollectionStore on the simulator', () => {
  it('sees an Outlook-side edit through changesSince, with the new version and content', async () => {
    const { store } = await bed.freshStore('calendar');
    const created = await store.create(sampleEvent('outlook-edit', '2030-03-05T10:00:00Z'), { marker: 'm' });
    const token = await store.startToken(WINDOW);
    bed.sim.store.updateItem(created.ref.href, { subject: 'Renamed in Outlook' });
    const { changes } = await drain(store, token);
    expect(changes).toHaveLength(1);
    const [change] = changes;
    expect(change?.type).toBe('upsert');
    if (change?.type !== 'upsert') return;
    expect(change.ref.href).toBe(created.ref.href);
    expect(change.ref.version).not.toBe(created.ref.version);
    const fetched = await fetchOne(store, created.ref.href);
    expect(fetched.ref.version).toBe(change.ref.version);
    expect(fetched.item.kind === 'event' && fetched.item.summary).toBe('Renamed in Outlook');
  });

  it('lists a series once, under its master with the master’s version, and reports an occurrence edit as an upsert of the master', async () => {
    const { store } = await bed.freshStore('calendar');
    const series = await store.create(
      sampleEvent('weekly', '2030-03-04T09:00:00Z', { summary: 'Weekly', recurrence: { freq: 'WEEKLY', count: 10 } }),
      { marker: 'm' },
    );
    const listed = await collect(store.listWindow(WINDOW));
    expect(listed).toEqual([{ href: series.ref.href, version: series.ref.version }]);

    const token = await store.startToken(WINDOW);
    const occurrence = bed.sim.store
      .instancesOf(series.ref.href, Date.parse('2030-03-11T00:00:00Z'), Date.parse('2030-03-12T00:00:00Z'))
      .at(0);
    expect(occurrence).toBeDefined();
    bed.sim.store.updateOccurrence(occurrence?.id ?? '', { subject: 'Moved one' });

    const { changes } = await drain(store, token);
    const master = await fetchOne(store, series.ref.href);
    expect(changes).toEqual([{ type: 'upsert', ref: { href: series.ref.href, version: master.ref.version } }]);
    expect(master.ref.version).not.toBe(series.ref.version);
    if (master.item.kind !== 'event') throw new Error('expected an event');
    expect(master.item.recurrence).toMatchObject({ freq: 'WEEKLY', count: 10 });
    expect(master.item.exceptions).toHaveLength(1);
    expect(master.item.exceptions[0]).toMatchObject({
      summary: 'Moved one',
      recurrenceId: { kind: 'utc', dateTime: '2030-03-11T09:00:00Z' },
    });
  });

  it('tells an event that left the window (left-window) from one that was deleted (deleted)', async () => {
    const { store } = await bed.freshStore('calendar');
    const moved = await store.create(sampleEvent('moved', '2030-03-05T10:00:00Z'), { marker: 'm' });
    const gone = await store.create(sampleEvent('gone', '2030-03-06T10:00:00Z'), { marker: 'm' });
    const token = await store.startToken(WINDOW);
    bed.sim.store.updateItem(moved.ref.href, {
      start: Date.parse('2030-07-01T10:00:00Z'),
      end: Date.parse('2030-07-01T11:00:00Z'),
    });
    bed.sim.store.deleteItem(gone.ref.href);
    const { changes } = await drain(store, token);
    expect(changes).toEqual(
      expect.arrayContaining([
        { type: 'delete', href: moved.ref.href, reason: 'left-window' },
        { type: 'delete', href: gone.ref.href, reason: 'deleted' },
      ]),
    );
    expect(changes).toHaveLength(2);
  });

  for (const response of ['gone', 'syncStateNotFound'] as const) {
    it(`answers an evicted delta token (${response}) with InvalidSyncTokenError`, async () => {
      bed.sim.graph.expiredDeltaResponse = response;
      try {
        const { store } = await bed.freshStore('addressbook');
        const token = await store.startToken(WINDOW);
        bed.sim.evictDeltaTokens(ALICE);
        await expect(store.changesSince(token)).rejects.toBeInstanceOf(InvalidSyncTokenError);
      } finally {
        bed.sim.graph.expiredDeltaResponse = 'gone';
      }
    });
  }

  it('waits out a 429 Retry-After and then succeeds; the simulator logs that the client waited', async () => {
    const { store } = await bed.freshStore('calendar');
    const since = bed.sim.requests().at(-1)?.seq ?? 0;
    bed.sim.injectFault(
      { face: 'graph', method: 'GET', path: '/calendarView' },
      { kind: 'status', status: 429, retryAfterSeconds: 1 },
    );
    const started = Date.now();
    await collect(store.listWindow(WINDOW));
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    const views = bed.sim.requests({ face: 'graph', since }).filter((r) => r.url.includes('/calendarView'));
    expect(views.map((r) => r.status)).toEqual([429, 200]);
    expect(views[1]?.retryWait).toMatchObject({ advertisedMs: 1000, honoured: true });
  });

  it('gives the engine a RetryableError with the advertised wait once retries are used up', async () => {
    const client = bed.client({ retries: 0 });
    const { store } = await bed.freshStore('tasks', client);
    bed.sim.injectFault(
      { face: 'graph', method: 'GET', path: '/tasks' },
      { kind: 'status', status: 503, retryAfterSeconds: 7 },
    );
    const error = await collect(store.listWindow(WINDOW)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as RetryableError).retryAfterMs).toBe(7000);
  });

  it('reads more than 20 items in $batch calls of at most 20, matching shuffled answers by id', async () => {
    const { store } = await bed.freshStore('addressbook');
    const hrefs: string[] = [];
    for (let i = 0; i < 25; i++) {
      const c = await store.create(
        {
          kind: 'contact',
          uid: `batch-${i}`,
          formattedName: `Person ${i}`,
          emails: [],
          phones: [],
          addresses: [],
          urls: [],
          impps: [],
          categories: [],
        },
        { marker: `m-${i}` },
      );
      hrefs.push(c.ref.href);
    }
    hrefs.splice(3, 0, 'missing-contact-id');
    const since = bed.sim.requests().at(-1)?.seq ?? 0;
    const results = await collect(store.getMany(hrefs));
    const batches = bed.sim.requests({ face: 'graph', since }).filter((r) => r.url.endsWith('/$batch'));
    expect(batches).toHaveLength(2);
    expect(results.map((r) => r.href)).toEqual(hrefs);
    for (const r of results) {
      if (r.href === 'missing-contact-id') expect(r.found).toBe(false);
      else {
        expect(r.found).toBe(true);
        if (r.found) expect(r.fetched.ref.href).toBe(r.href);
      }
    }
    const byHref = new Map(results.flatMap((r) => (r.found ? [[r.href, r.fetched] as const] : [])));
    expect(byHref.get(hrefs[0] ?? '')?.marker).toBe('m-0');
    expect(byHref.get(hrefs[25] ?? '')?.marker).toBe('m-24');
  });

  it('sends no invitation when it creates a meeting organized by someone else (and writes no attendees)', async () => {
    const { store } = await bed.freshStore('calendar');
    const before = bed.sim.sentMail().length;
    const meeting = sampleEvent('foreign-meeting', '2030-03-07T10:00:00Z', {
      organizer: { email: 'carol@example.org' },
      attendees: [
        { email: ALICE, role: 'required', status: 'accepted' },
        { email: 'dave@example.org', role: 'required', status: 'needs-action' },
      ],
    });
    const created = await store.create(meeting, { marker: 'm' });
    expect(bed.sim.sentMail().slice(before)).toEqual([]);
    const fetched = await fetchOne(store, created.ref.href);
    expect(fetched.item.kind === 'event' && fetched.item.attendees).toEqual([]);

    // The same meeting organized by the mailbox itself is Exchange's to announce: once.
    const own = sampleEvent('own-meeting', '2030-03-08T10:00:00Z', {
      organizer: { email: ALICE },
      attendees: [{ email: 'dave@example.org', role: 'required', status: 'needs-action' }],
    });
    await store.create(own, { marker: 'm2' });
    expect(
      bed.sim
        .sentMail()
        .slice(before)
        .map((m) => m.kind),
    ).toEqual(['invitation']);
  });

  it('refuses a write with a stale ETag as PreconditionFailedError, whether Graph says 412 or 409', async () => {
    for (const status of [412, 409] as const) {
      bed.sim.graph.etagConflictStatus = status;
      try {
        const { store } = await bed.freshStore('tasks');
        const created = await store.create(
          { kind: 'task', uid: `stale-${status}`, summary: 'A', status: 'needs-action', categories: [], reminders: [] },
          { marker: 'm' },
        );
        const base = await fetchOne(store, created.ref.href);
        bed.sim.store.updateItem(created.ref.href, { title: 'Changed in To Do' });
        const error = await store
          .update(base, { ...base.item, summary: 'Mine' } as typeof base.item)
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(PreconditionFailedError);
        await expect(store.remove(base.ref)).rejects.toBeInstanceOf(PreconditionFailedError);
      } finally {
        bed.sim.graph.etagConflictStatus = 412;
      }
    }
  });

  it('patches only the fields that changed', async () => {
    const { store, folderId } = await bed.freshStore('calendar');
    const created = await store.create(sampleEvent('patch-me', '2030-03-09T10:00:00Z'), { marker: 'm' });
    const base = await fetchOne(store, created.ref.href);
    const since = bed.sim.requests().at(-1)?.seq ?? 0;
    const seen: unknown[] = [];
    const client = bed.client({
      fetch: async (input, init) => {
        if (init?.method === 'PATCH') seen.push(JSON.parse(String(init.body)));
        return fetch(input, init);
      },
    });
    const spied = new GraphCollectionStore({ client, user: ALICE, kind: 'calendar', folderId });
    if (base.item.kind !== 'event') throw new Error('expected an event');
    await spied.update(base, { ...base.item, location: 'Room 7', categories: ['Blue'] });
    expect(seen).toEqual([{ location: { displayName: 'Room 7' }, categories: ['Blue'] }]);
    expect(bed.sim.requests({ face: 'graph', since }).filter((r) => r.method === 'PATCH')).toHaveLength(1);
  });

  it('stops sending requests after a 401: every later call fails with AuthError without reaching the server', async () => {
    const client = bed.client();
    const { store } = await bed.freshStore('addressbook', client);
    bed.sim.injectFault({ face: 'graph', method: 'GET' }, { kind: 'status', status: 401 });
    await expect(collect(store.listWindow(WINDOW))).rejects.toBeInstanceOf(AuthError);
    const since = bed.sim.requests().at(-1)?.seq ?? 0;
    await expect(collect(store.listWindow(WINDOW))).rejects.toBeInstanceOf(AuthError);
    expect(bed.sim.requests({ face: 'graph', since })).toEqual([]);
    expect(client.refused).toBe(true);
  });

  it('reports an unknown user as a missing mailbox (AuthError naming it), not as an item that is gone', async () => {
    const store = new GraphCollectionStore({
      client: bed.client(),
      user: 'nobody@contoso.com',
      kind: 'calendar',
      folderId: 'AAMkAGI2THVSAAA=',
    });
    await expect(collect(store.listWindow(WINDOW))).rejects.toMatchObject({ code: 'auth', refused: 'mailbox-missing' });
  });

  it('keeps zoned and all-day events in their own terms across a round trip', async () => {
    const { store } = await bed.freshStore('calendar');
    const zoned = await store.create(
      sampleEvent('zoned', '2030-03-12T08:00:00Z', {
        start: { kind: 'zoned', dateTime: '2030-03-12T09:00:00', tzid: 'Europe/Berlin' },
        end: { kind: 'zoned', dateTime: '2030-03-12T10:00:00', tzid: 'Europe/Berlin' },
        reminders: [{ action: 'display', trigger: { relative: '-PT30M' } }],
      }),
      { marker: 'm' },
    );
    const allDay = await store.create(
      sampleEvent('all-day', '2030-03-13T00:00:00Z', {
        start: { kind: 'date', date: '2030-03-13' },
        end: { kind: 'date', date: '2030-03-14' },
      }),
      { marker: 'm' },
    );
    const z = (await fetchOne(store, zoned.ref.href)).item;
    const a = (await fetchOne(store, allDay.ref.href)).item;
    expect(z).toMatchObject({
      start: { kind: 'zoned', dateTime: '2030-03-12T09:00:00', tzid: 'Europe/Berlin' },
      reminders: [{ action: 'display', trigger: { relative: '-PT30M' } }],
    });
    expect(a).toMatchObject({ start: { kind: 'date', date: '2030-03-13' }, end: { kind: 'date', date: '2030-03-14' } });
  });
});

describe('GraphClient', () => {
  it('never follows a token whose link points outside its Graph root', async () => {
    const { store } = await bed.freshStore('tasks');
    const foreign = `graph-delta:${Buffer.from(JSON.stringify({ v: 1, link: 'http://evil.example/v1.0/x' })).toString('base64url')}`;
    await expect(store.changesSince(foreign)).rejects.toBeInstanceOf(InvalidSyncTokenError);
  });

  it('percent-encodes ids in paths', async () => {
    const seen: string[] = [];
    const client = new GraphClient({
      baseUrl: bed.graphUrl,
      tokens: { getToken: async () => 'x' },
      fetch: async (input) => {
        seen.push(String(input));
        return new Response(JSON.stringify({ error: { code: 'ErrorItemNotFound' } }), { status: 404 });
      },
    });
    const store = new GraphCollectionStore({ client, user: ALICE, kind: 'tasks', folderId: 'AA/B+C=' });
    await store.remove({ href: 'id/with+odd=', version: 'W/"1"' }).catch(() => undefined);
    expect(seen[0]).toContain('/todo/lists/AA%2FB%2BC%3D/tasks/id%2Fwith%2Bodd%3D');
  });
});

describe('GraphCollectionStore: series exceptions and cancelled occurrences', () => {
  it('reads an occurrence cancelled in Outlook as an excluded date, and reports it as an upsert of the master', async () => {
    const { store } = await bed.freshStore('calendar');
    const series = await store.create(
      sampleEvent('cancel-one', '2030-03-04T09:00:00Z', { recurrence: { freq: 'DAILY', count: 5 } }),
      { marker: 'm' },
    );
    const token = await store.startToken(WINDOW);
    const third = bed.sim.store
      .instancesOf(series.ref.href, Date.parse('2030-03-06T00:00:00Z'), Date.parse('2030-03-07T00:00:00Z'))
      .at(0);
    bed.sim.store.deleteOccurrence(third?.id ?? '');
    const master = await fetchOne(store, series.ref.href);
    expect(master.item.kind === 'event' && master.item.excludedDates).toEqual([
      { kind: 'utc', dateTime: '2030-03-06T09:00:00Z' },
    ]);
    const { changes } = await drain(store, token);
    expect(changes).toContainEqual({ type: 'upsert', ref: master.ref });
  });

  it('writes a series’ exceptions and excluded dates as occurrence PATCH and DELETE, and reads them back', async () => {
    const { store } = await bed.freshStore('calendar');
    const item = sampleEvent('series-with-edits', '2030-03-04T09:00:00Z', {
      summary: 'Standup',
      recurrence: { freq: 'DAILY', count: 5 },
      excludedDates: [{ kind: 'utc', dateTime: '2030-03-05T09:00:00Z' }],
      exceptions: [
        {
          ...sampleEvent('x', '2030-03-07T11:00:00Z', { summary: 'Standup (late)' }),
          recurrenceId: { kind: 'utc', dateTime: '2030-03-07T09:00:00Z' },
        },
      ],
    });
    const mailBefore = bed.sim.sentMail().length;
    const created = await store.create(item, { marker: 'm' });
    const read = await fetchOne(store, created.ref.href);
    expect(read.ref.version).toBe(created.ref.version);
    if (read.item.kind !== 'event') throw new Error('expected an event');
    expect(read.item.excludedDates).toEqual([{ kind: 'utc', dateTime: '2030-03-05T09:00:00Z' }]);
    expect(read.item.exceptions).toHaveLength(1);
    expect(read.item.exceptions[0]).toMatchObject({
      summary: 'Standup (late)',
      start: { kind: 'utc', dateTime: '2030-03-07T11:00:00Z' },
      recurrenceId: { kind: 'utc', dateTime: '2030-03-07T09:00:00Z' },
    });
    expect(bed.sim.sentMail().slice(mailBefore)).toEqual([]);

    // A later edit adds one more cancellation on the existing series.
    const more = await store.update(read, {
      ...read.item,
      excludedDates: [...read.item.excludedDates, { kind: 'utc', dateTime: '2030-03-08T09:00:00Z' }],
    });
    const after = await fetchOne(store, created.ref.href);
    expect(after.ref.version).toBe(more.ref.version);
    expect(after.item.kind === 'event' && after.item.excludedDates).toEqual([
      { kind: 'utc', dateTime: '2030-03-05T09:00:00Z' },
      { kind: 'utc', dateTime: '2030-03-08T09:00:00Z' },
    ]);
  });
});

describe('GraphClient retries', () => {
  const contact = (uid: string) => ({
    kind: 'contact' as const,
    uid,
    formattedName: uid,
    emails: [],
    phones: [],
    addresses: [],
    urls: [],
    impps: [],
    categories: [],
  });

  it('resends only the throttled inner request of a $batch, after its Retry-After', async () => {
    const { store } = await bed.freshStore('addressbook');
    const hrefs = [];
    for (const uid of ['b1', 'b2', 'b3']) hrefs.push((await store.create(contact(uid), { marker: uid })).ref.href);
    const target = hrefs[1] ?? '';
    bed.sim.injectFault(
      { face: 'graph', method: 'GET', path: encodeURIComponent(target) },
      { kind: 'status', status: 429, retryAfterSeconds: 1 },
    );
    const since = bed.sim.requests().at(-1)?.seq ?? 0;
    const results = await collect(store.getMany(hrefs));
    expect(results.map((r) => r.found)).toEqual([true, true, true]);
    const log = bed.sim.requests({ face: 'graph', since });
    expect(log.filter((r) => r.url.endsWith('/$batch'))).toHaveLength(2);
    const inner = log.filter((r) => r.batchInner);
    expect(inner.map((r) => r.status)).toEqual(expect.arrayContaining([200, 200, 429, 200]));
    expect(inner).toHaveLength(4);
  });

  it('retries after a connection reset, and reports it as RetryableError when retries are used up', async () => {
    const { store } = await bed.freshStore('tasks');
    bed.sim.injectFault({ face: 'graph', method: 'GET', path: '/tasks' }, { kind: 'reset' });
    await expect(collect(store.listWindow(WINDOW))).resolves.toEqual([]);
    const { store: strict } = await bed.freshStore('tasks', bed.client({ retries: 0 }));
    bed.sim.injectFault({ face: 'graph', method: 'GET', path: '/tasks' }, { kind: 'reset' });
    await expect(collect(strict.listWindow(WINDOW))).rejects.toBeInstanceOf(RetryableError);
  });
});

describe('GraphClient concurrency', () => {
  it('keeps to four requests in flight, so parallel work is never refused with MailboxConcurrency', async () => {
    bed.sim.graph.latencyMs = 40;
    try {
      const client = bed.client();
      const since = bed.sim.requests().at(-1)?.seq ?? 0;
      await Promise.all(
        Array.from({ length: 10 }, () => client.request({ method: 'GET', url: `/users/${ALICE}/calendars?$top=1` })),
      );
      const log = bed.sim.requests({ face: 'graph', since });
      expect(log).toHaveLength(10);
      expect(log.filter((r) => r.throttled)).toEqual([]);
      const unlimited = bed.client({ maxConcurrent: 10, retries: 0 });
      const outcomes = await Promise.allSettled(
        Array.from({ length: 10 }, () => unlimited.request({ method: 'GET', url: `/users/${ALICE}/calendars?$top=1` })),
      );
      expect(outcomes.some((o) => o.status === 'rejected' && o.reason instanceof RetryableError)).toBe(true);
    } finally {
      bed.sim.graph.latencyMs = 0;
    }
  });
});

describe('GraphCollectionStore: series pattern changes', () => {
  it('writes the exceptions again after a pattern change, which makes Exchange drop them', async () => {
    const { store } = await bed.freshStore('calendar');
    const created = await store.create(
      sampleEvent('pattern-change', '2030-03-04T09:00:00Z', {
        recurrence: { freq: 'DAILY', count: 5 },
        exceptions: [
          {
            ...sampleEvent('x', '2030-03-06T13:00:00Z', { summary: 'Afternoon' }),
            recurrenceId: { kind: 'utc', dateTime: '2030-03-06T09:00:00Z' },
          },
        ],
      }),
      { marker: 'm' },
    );
    const base = await fetchOne(store, created.ref.href);
    if (base.item.kind !== 'event') throw new Error('expected an event');
    expect(base.item.exceptions).toHaveLength(1);
    await store.update(base, { ...base.item, recurrence: { freq: 'DAILY', count: 6 } });
    const after = await fetchOne(store, created.ref.href);
    expect(after.item).toMatchObject({
      recurrence: { freq: 'DAILY', count: 6 },
      exceptions: [{ summary: 'Afternoon', recurrenceId: { kind: 'utc', dateTime: '2030-03-06T09:00:00Z' } }],
    });
  });
});

describe('GraphCollectionStore hashing', () => {
  it('keeps the hash when only the ETag changes (a dismissed reminder), and changes it with content', async () => {
    const { store } = await bed.freshStore('calendar');
    const created = await store.create(sampleEvent('hash-1', '2030-03-14T10:00:00Z'), { marker: 'm' });
    const first = await fetchOne(store, created.ref.href);
    bed.sim.advanceClock(60_000);
    bed.sim.store.updateItem(created.ref.href, {});
    const bumped = await fetchOne(store, created.ref.href);
    expect(bumped.ref.version).not.toBe(first.ref.version);
    expect(bumped.hash).toBe(first.hash);
    bed.sim.store.updateItem(created.ref.href, { location: 'Elsewhere' });
    expect((await fetchOne(store, created.ref.href)).hash).not.toBe(first.hash);
  });
});

describe('GraphCollectionStore delta paging', () => {
  it('follows nextLinks page by page (more = true), through empty pages and duplicates, to one change per item', async () => {
    bed.sim.graph.emptyPageEvery = 2;
    bed.sim.graph.duplicateEvery = 2;
    try {
      const { folderId } = await bed.freshStore('addressbook');
      const store = new GraphCollectionStore({
        client: bed.client(),
        user: ALICE,
        kind: 'addressbook',
        folderId,
        pageSize: 2,
      });
      const token = await store.startToken(WINDOW);
      const hrefs: string[] = [];
      for (let i = 0; i < 5; i++) {
        const c = await store.create(
          {
            kind: 'contact',
            uid: `page-${i}`,
            emails: [],
            phones: [],
            addresses: [],
            urls: [],
            impps: [],
            categories: [],
          },
          { marker: 'm' },
        );
        hrefs.push(c.ref.href);
      }
      let next = token;
      const mores: boolean[] = [];
      const upserts: string[] = [];
      for (;;) {
        const set = await store.changesSince(next);
        mores.push(set.more);
        for (const c of set.changes) if (c.type === 'upsert') upserts.push(c.ref.href);
        next = set.nextToken;
        if (!set.more) break;
      }
      expect(mores.length).toBeGreaterThan(3);
      expect(mores.slice(0, -1).every(Boolean)).toBe(true);
      expect([...new Set(upserts)].sort()).toEqual([...hrefs].sort());
      expect((await drain(store, next)).changes).toEqual([]);
    } finally {
      bed.sim.graph.emptyPageEvery = 0;
      bed.sim.graph.duplicateEvery = 0;
    }
  });
});

describe('adoptUids over Graph', () => {
  async function outlookContacts(count: number) {
    const sim = bed.sim;
    const folder = sim.store.createFolder(sim.store.getMailbox(ALICE).id, {
      kind: 'contacts',
      displayName: `adopt ${count} ${Math.random()}`,
    });
    const store = new GraphCollectionStore({
      client: bed.client(),
      user: ALICE,
      kind: 'addressbook',
      folderId: folder.graphId,
    });
    const made = Array.from({ length: count }, (_, i) =>
      sim.store.createContact(folder.id, { givenName: 'Outlook', surname: `${i}` }),
    );
    const stored = [];
    for (const c of made) {
      const f = await fetchOne(store, c.graphId);
      stored.push({ ref: f.ref, raw: f.raw });
    }
    return { store, made, stored };
  }
  const uidOf = (id: string) => bed.sim.store.getItem(id).extendedProperties.find((p) => p.name === 'ExsyncUid')?.value;
  const batches = (since: number) =>
    bed.sim.requests({ face: 'graph', since }).filter((r) => r.url.endsWith('/$batch')).length;
  const lastSeq = () => bed.sim.requests().at(-1)?.seq ?? 0;

  it('sets ExsyncUid on contacts made in Outlook through $batch, 20 a call, and sends nothing once they have it', async () => {
    const { store, made, stored } = await outlookContacts(23);
    const since = lastSeq();
    const uids = made.map((_, i) => `graph-uid-${i}`);
    expect(await store.adoptUids(stored.map((s, i) => ({ stored: s, uid: uids[i]! })))).toBe(23);
    expect(batches(since)).toBe(2);
    expect(made.map((c) => uidOf(c.id))).toEqual(uids);
    const again = [];
    for (const c of made) {
      const f = await fetchOne(store, c.graphId);
      again.push({ stored: { ref: f.ref, raw: f.raw }, uid: 'another' });
    }
    const quiet = lastSeq();
    expect(await store.adoptUids(again)).toBe(0);
    expect(bed.sim.requests({ face: 'graph', since: quiet })).toEqual([]);
  });

  it('leaves a contact changed or deleted since it was read for the next run, and writes the others', async () => {
    const { store, made, stored } = await outlookContacts(3);
    const [edited, gone, plain] = made as [(typeof made)[0], (typeof made)[0], (typeof made)[0]];
    bed.sim.store.updateItem(edited.id, { jobTitle: 'Changed in Outlook' });
    bed.sim.store.deleteItem(gone.id);
    expect(await store.adoptUids(stored.map((s, i) => ({ stored: s, uid: `graph-mixed-${i}` })))).toBe(1);
    expect(uidOf(edited.id)).toBeUndefined();
    expect(uidOf(plain.id)).toBe('graph-mixed-2');
  });

  it('ends on refused credentials', async () => {
    const { store, stored } = await outlookContacts(2);
    bed.sim.injectFault({ face: 'graph', method: 'POST' }, { kind: 'status', status: 401 });
    await expect(
      store.adoptUids(stored.map((s, i) => ({ stored: s, uid: `graph-refused-${i}` }))),
    ).rejects.toBeInstanceOf(AuthError);
  });
});
