import { randomUUID } from 'node:crypto';
import {
  AuthError,
  InvalidItemError,
  InvalidSyncTokenError,
  NotFoundError,
  RejectedError,
  RetryableError,
  type SyncWindow,
} from '@exsync/core';
import { describeCollectionStoreContract, sampleContact, sampleEvent, sampleTask } from '@exsync/core/testing';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthCircuit } from './auth-circuit';
import { ensureCollection, listCollections } from './collections';
import { DavCollectionStore } from './dav-collection-store';
import { discoverNextcloud } from './discovery';
import { pimCodec } from './pim-codec';
import { FakeNextcloud } from './testing/fake-nextcloud';
import { DavTransport } from './transport';

const window: SyncWindow = { start: '2030-03-01T00:00:00Z', end: '2030-04-01T00:00:00Z' };
let nc: FakeNextcloud;
let circuit: AuthCircuit;

beforeEach(async () => {
  nc = await new FakeNextcloud({ prefix: '/nextcloud' }).start();
  circuit = new AuthCircuit();
});
afterEach(async () => {
  await nc.stop();
});

function transport(options: { password?: string; timeoutMs?: number } = {}): DavTransport {
  return new DavTransport({
    credentials: { username: nc.user, password: options.password ?? nc.password },
    circuit,
    timeoutMs: options.timeoutMs ?? 5000,
  });
}

function store(t = transport()): DavCollectionStore {
  return new DavCollectionStore({ transport: t, url: nc.calendarUrl, type: 'calendar', codec: pimCodec });
}

function event(uid: string, summary = `Event ${uid}`) {
  return sampleEvent(uid, '2030-03-10T10:00:00Z', { summary });
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}

describe('DAV store against a fake Nextcloud', () => {
  it('discovers principal and homes from a base URL in a sub-directory, and lists writable calendars', async () => {
    const homes = await discoverNextcloud(nc.baseUrl, transport());
    expect(new URL(homes.principalUrl).pathname).toBe('/nextcloud/remote.php/dav/principals/users/alice/');
    expect(new URL(homes.calendarHomeUrl ?? '').pathname).toBe('/nextcloud/remote.php/dav/calendars/alice/');
    expect(new URL(homes.addressBookHomeUrl ?? '').pathname).toBe(
      '/nextcloud/remote.php/dav/addressbooks/users/alice/',
    );
    const calendars = await listCollections(homes.calendarHomeUrl ?? '', transport());
    expect(calendars.map((c) => [new URL(c.url).pathname.split('/').at(-2), c.components, c.readOnly])).toEqual([
      ['personal', ['VEVENT', 'VTODO'], false],
      ['contact_birthdays', ['VEVENT'], true],
    ]);
  });

  it('works with http://sabre.io/ns/sync/N tokens and reports a foreign token as invalid (403 valid-sync-token)', async () => {
    const s = store();
    const token = await s.startToken(window);
    expect(token).toBe(nc.currentToken);
    expect(token).toMatch(/^http:\/\/sabre\.io\/ns\/sync\/\d+$/);
    const created = await s.create(event('nc-1'), { marker: 'm' });
    const set = await s.changesSince(token);
    expect(set.changes).toEqual([{ type: 'upsert', ref: created.ref }]);
    expect(set.nextToken).toBe(nc.currentToken);
    await expect(s.changesSince('http://radicale.org/ns/sync/abc')).rejects.toBeInstanceOf(InvalidSyncTokenError);
  });

  it('treats DELETE as soft on the server: the object goes to the trash bin and the delta reports a deletion', async () => {
    const s = store();
    const created = await s.create(event('nc-trash'), { marker: 'm' });
    const token = await s.startToken(window);
    await s.remove(created.ref);
    expect([...nc.trash.keys()]).toEqual(['nc-trash-deleted.ics']);
    const set = await s.changesSince(token);
    expect(set.changes).toEqual([{ type: 'delete', href: created.ref.href, reason: 'deleted' }]);
    expect(await collect(s.getMany([created.ref.href]))).toEqual([{ href: created.ref.href, found: false }]);
    // Re-creating the UID purges the trashed copy, as Nextcloud does.
    await s.create(event('nc-trash'), { marker: 'm' });
    expect(nc.trash.size).toBe(0);
  });

  it('reports an object over the 10 MiB limit (403) as rejected too-large', async () => {
    const error = await store()
      .create(event('nc-big', 'x'.repeat(10 * 1024 * 1024 + 1)), { marker: 'm' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RejectedError);
    expect((error as RejectedError).reason).toBe('too-large');
  });

  it('after change-log pruning, an old token silently returns a partial delta: the store cannot tell', async () => {
    const s = store();
    const token = await s.startToken(window);
    await s.create(event('nc-lost'), { marker: 'm' });
    nc.pruneChangeLog();
    const kept = await s.create(event('nc-kept'), { marker: 'm' });
    // Documented behaviour: no error, only what Nextcloud still has. The engine's periodic reconcile finds the rest.
    const set = await s.changesSince(token);
    expect(set.changes).toEqual([{ type: 'upsert', ref: kept.ref }]);
  });

  it.each([400, 409] as const)(
    'reports a UID used under another name (%i) as rejected uid-conflict',
    async (status) => {
      nc.uidConflictStatus = status;
      nc.put('created-by-phone.ics', pimCodec.fromModel(event('nc-dup'), { marker: 'other' }));
      const error = await store()
        .create(event('nc-dup'), { marker: 'm' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RejectedError);
      expect((error as RejectedError).reason).toBe('uid-conflict');
    },
  );

  it('reports a token from before the calendar was re-created (counter went back) as invalid, not as "no changes"', async () => {
    const s = store();
    for (const uid of ['r1', 'r2', 'r3']) await s.create(event(uid), { marker: 'm' });
    const token = await s.startToken(window);
    nc.recreateCalendar();
    await expect(s.changesSince(token)).rejects.toBeInstanceOf(InvalidSyncTokenError);
  });

  it('reads in multiget batches and answers every href, missing ones as not found', async () => {
    const s = new DavCollectionStore({ transport: transport(), url: nc.calendarUrl, type: 'calendar', batchSize: 2 });
    const hrefs: string[] = [];
    for (const uid of ['b1', 'b2', 'b3', 'b4']) hrefs.push((await s.create(event(uid), { marker: uid })).ref.href);
    const missing = `${new URL(nc.calendarUrl).pathname}gone.ics`;
    const before = nc.requests.length;
    const results = await collect(s.getMany([...hrefs, missing]));
    expect(nc.requests.slice(before).map((r) => r.method)).toEqual(['REPORT', 'REPORT', 'REPORT']);
    expect(results.map((r) => [r.href, r.found])).toEqual([...hrefs.map((h) => [h, true]), [missing, false]]);
    expect(results.flatMap((r) => (r.found ? [r.fetched.marker] : []))).toEqual(['b1', 'b2', 'b3', 'b4']);
  });

  it('yields every readable item of a multiget, then reports the unreadable ones as invalid items', async () => {
    const s = store();
    const good = await s.create(event('nc-good'), { marker: 'm' });
    nc.put('broken.ics', 'BEGIN:VCALENDAR\r\nthis is not iCalendar\r\n');
    const broken = `${new URL(nc.calendarUrl).pathname}broken.ics`;
    const seen: string[] = [];
    const error = await (async () => {
      for await (const result of s.getMany([broken, good.ref.href])) seen.push(result.href);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([good.ref.href]);
    expect(error).toBeInstanceOf(InvalidItemError);
    expect((error as Error).message).toContain(broken);
  });

  it('reports brute-force throttling (429) as retryable with the server-advised delay', async () => {
    nc.bruteForceRetryAfter = '30';
    const error = await store()
      .startToken(window)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as RetryableError).retryAfterMs).toBe(30_000);
  });

  it('reports 401 as an AuthError and sends no further request with those credentials, from any store', async () => {
    nc.revoked = true;
    const first = store();
    await expect(first.startToken(window)).rejects.toBeInstanceOf(AuthError);
    expect(nc.requests).toHaveLength(1);
    nc.revoked = false;
    await expect(first.create(event('nc-after'), { marker: 'm' })).rejects.toBeInstanceOf(AuthError);
    await expect(collect(store().getMany(['/x.ics']))).rejects.toBeInstanceOf(AuthError);
    await expect(discoverNextcloud(nc.baseUrl, transport())).rejects.toBeInstanceOf(AuthError);
    expect(nc.requests).toHaveLength(1);
    // A renewed app password is another credential: it may be used.
    await expect(store(transport({ password: nc.password + '-renewed' })).startToken(window)).rejects.toBeInstanceOf(
      AuthError,
    );
    expect(nc.requests).toHaveLength(2);
  });

  it('writes attendees with SCHEDULE-AGENT=CLIENT and, when the server rewrote the body without an ETag, reads it back', async () => {
    const meeting = {
      ...event('nc-meeting'),
      organizer: { email: 'alice@example.org', name: 'Alice' },
      attendees: [{ email: 'bob@example.org', role: 'required', status: 'needs-action' } as const],
    };
    const created = await store().create(meeting, { marker: 'm' });
    const put = nc.requests.find((r) => r.method === 'PUT');
    const attendeeLines = (put?.body ?? '')
      .replace(/\r\n[ \t]/g, '')
      .split(/\r\n/)
      .filter((l) => /^(ATTENDEE|ORGANIZER)/.test(l));
    expect(attendeeLines).toHaveLength(2);
    for (const line of attendeeLines) expect(line).toMatch(/;SCHEDULE-AGENT=CLIENT[;:]/);
    const onServer = nc.objects.get('nc-meeting.ics');
    expect(onServer?.body).toContain('SCHEDULE-STATUS=1.2');
    expect(created.ref.version).toBe(onServer?.etag);
    expect(created.stored?.raw).toBe(onServer?.body);
    expect(created.stored?.marker).toBe('m');
    expect(nc.requests.map((r) => r.method)).toEqual(['PUT', 'GET']);
  });

  it('never sends a limit, so the 507 Nextcloud gives a limited initial sync cannot happen', async () => {
    nc.reportSyncToken = false;
    await store().create(event('nc-507'), { marker: 'm' });
    const token = await store().startToken(window);
    expect(token).toBe(nc.currentToken);
    const syncRequest = nc.requests.find((r) => r.method === 'REPORT');
    expect(syncRequest?.body).toContain('sync-collection');
    expect(syncRequest?.body).not.toContain('limit');
  });

  it('follows a truncated delta (507 on the collection) page by page to the end', async () => {
    const s = store();
    const token = await s.startToken(window);
    for (const uid of ['p1', 'p2', 'p3', 'p4', 'p5']) await s.create(event(uid), { marker: 'm' });
    nc.truncateAfter = 2;
    const seen: string[] = [];
    let next = token;
    let pages = 0;
    for (;;) {
      const set = await s.changesSince(next);
      pages += 1;
      for (const c of set.changes) if (c.type === 'upsert') seen.push(c.ref.href.split('/').at(-1) ?? '');
      next = set.nextToken;
      if (!set.more) break;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(['p1.ics', 'p2.ics', 'p3.ics', 'p4.ics', 'p5.ics']);
  });

  it('classifies 412 and 404 on writes as precondition failed and not found (a DELETE of what is gone answers 412, as sabre/dav does, and is reported not-found)', async () => {
    const s = store();
    const created = await s.create(event('nc-412'), { marker: 'm' });
    await expect(s.remove({ href: created.ref.href, version: '"stale"' })).rejects.toMatchObject({
      code: 'precondition-failed',
    });
    await s.remove(created.ref);
    nc.requests.length = 0;
    await expect(s.remove(created.ref)).rejects.toBeInstanceOf(NotFoundError);
    expect(nc.requests.map((r) => r.method)).toEqual(['DELETE', 'GET']); // 412 first, then the probe's 404
  });

  it('sends scheduling suppression with calendar writes and never logs or leaks the password in errors', async () => {
    const s = store();
    await s.create(event('nc-sched'), { marker: 'm' });
    const put = nc.requests.find((r) => r.method === 'PUT');
    expect(put?.headers['schedule-reply']).toBe('F');
    nc.revoked = true;
    const error = await store(transport({ password: 'other' }))
      .startToken(window)
      .catch((e: unknown) => e);
    expect(String((error as Error).message)).not.toContain('other');
    expect(JSON.stringify(error)).not.toContain(Buffer.from('alice:other').toString('base64'));
  });

  it('turns a request slower than the per-request timeout into a retryable error', async () => {
    nc.delayMs = 500;
    const error = await store(transport({ timeoutMs: 100 }))
      .startToken(window)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
  });
});

describe('"applied, reply lost": a PUT stored by Nextcloud whose answer never arrives', () => {
  for (const after of ['reset', 'timeout'] as const) {
    for (const kind of ['event', 'task'] as const) {
      it(`creates the ${kind} once and reports it (after a ${after})`, async () => {
        nc.replyLost = { method: 'PUT', after, holdMs: 1500, count: 1 };
        const s = store(transport({ timeoutMs: 500 }));
        const uid = `lost-${kind}-${after}`;
        const item = kind === 'event' ? event(uid) : sampleTask(uid, { summary: 'Lost reply' });
        const created = await s.create(item, { marker: `marker-${uid}` });
        expect([...nc.objects.keys()].filter((k) => k.startsWith(uid))).toHaveLength(1);
        const [read] = await collect(s.getMany([created.ref.href]));
        expect(read).toMatchObject({ found: true, fetched: { marker: `marker-${uid}` } });
      });
    }
  }

  it('an update whose reply was lost is not applied twice: the stale If-Match of the replay is settled by reading', async () => {
    const s = store(transport({ timeoutMs: 500 }));
    const created = await s.create(event('lost-update', 'Before'), { marker: 'm-lost-update' });
    const [read] = await collect(s.getMany([created.ref.href]));
    if (!read?.found) throw new Error('not found');
    nc.replyLost = { method: 'PUT', after: 'reset', count: 1 };
    const outcome = await s.update(read.fetched, event('lost-update', 'After')).catch((e: unknown) => e);
    // Either the store confirms the write by reading it back, or the engine gets a lost race to re-read: never a
    // second, different write.
    if (outcome instanceof Error) expect(outcome.name).toBe('PreconditionFailedError');
    const [after] = await collect(s.getMany([created.ref.href]));
    expect(after?.found && after.fetched.item.kind === 'event' && after.fetched.item.summary).toBe('After');
  });
});

/**
 * The fake creates collections as Nextcloud (sabre/dav) does: MKCALENDAR in the calendar home, extended MKCOL for
 * address books in the address-book home, a separate home from the calendars'. The whole store contract runs in
 * collections made that way.
 */
let contractNc: FakeNextcloud | undefined;
async function contractServer(): Promise<FakeNextcloud> {
  contractNc ??= await new FakeNextcloud().start();
  return contractNc;
}
afterAll(async () => {
  await contractNc?.stop();
});

describeCollectionStoreContract('DAV store against the fake Nextcloud (collections it created)', {
  invalidToken: 'http://sabre.io/ns/sync/not-a-number',
  async createStore(kind) {
    const server = await contractServer();
    const t = new DavTransport({ credentials: { username: server.user, password: server.password } });
    const type = kind === 'addressbook' ? 'addressbook' : 'calendar';
    const home = type === 'addressbook' ? 'addressbooks/users/alice' : 'calendars/alice';
    const info = await ensureCollection(
      {
        url: `${server.baseUrl}/remote.php/dav/${home}/${randomUUID()}/`,
        type,
        components: kind === 'tasks' ? ['VTODO'] : ['VEVENT'],
      },
      t,
    );
    return {
      store: new DavCollectionStore({
        transport: t,
        url: info.url,
        type,
        components: info.components,
        codec: pimCodec,
      }),
    };
  },
});

describe('collections made in a fake Nextcloud with two homes', () => {
  it('MKCALENDAR makes a calendar in the calendar home, extended MKCOL an address book in the other home; each is listed in its own home', async () => {
    const t = transport();
    const homes = await discoverNextcloud(nc.baseUrl, t);
    const tasks = await ensureCollection(
      {
        url: `${homes.calendarHomeUrl}exchange-tasks/`,
        type: 'calendar',
        displayName: 'Exchange Tasks',
        components: ['VTODO'],
      },
      t,
    );
    const contacts = await ensureCollection(
      { url: `${homes.addressBookHomeUrl}exchange-contacts/`, type: 'addressbook', displayName: 'Exchange Contacts' },
      t,
    );
    expect(
      nc.requests.filter((r) => r.method === 'MKCALENDAR' || r.method === 'MKCOL').map((r) => [r.method, r.path]),
    ).toEqual([
      ['MKCALENDAR', '/nextcloud/remote.php/dav/calendars/alice/exchange-tasks/'],
      ['MKCOL', '/nextcloud/remote.php/dav/addressbooks/users/alice/exchange-contacts/'],
    ]);
    expect(tasks).toMatchObject({
      type: 'calendar',
      components: ['VTODO'],
      displayName: 'Exchange Tasks',
      readOnly: false,
    });
    expect(contacts).toMatchObject({ type: 'addressbook', displayName: 'Exchange Contacts' });
    expect(contacts.syncToken).toMatch(/^http:\/\/sabre\.io\/ns\/sync\/\d+$/);
    const calendars = await listCollections(homes.calendarHomeUrl ?? '', t);
    const books = await listCollections(homes.addressBookHomeUrl ?? '', t);
    expect(calendars.map((c) => new URL(c.url).pathname)).toContain(
      '/nextcloud/remote.php/dav/calendars/alice/exchange-tasks/',
    );
    expect(books.map((c) => new URL(c.url).pathname)).toEqual([
      '/nextcloud/remote.php/dav/addressbooks/users/alice/contacts/',
      '/nextcloud/remote.php/dav/addressbooks/users/alice/exchange-contacts/',
    ]);
    // Ensured again: found, not made twice.
    await ensureCollection({ url: tasks.url, type: 'calendar', components: ['VTODO'] }, t);
    expect(nc.requests.filter((r) => r.method === 'MKCALENDAR')).toHaveLength(1);
  });

  it("lists in a home only that user's collections, in the order they were made, never another user's", async () => {
    nc.addUser('bob', 'bob-app-password');
    const bob = new DavTransport({
      credentials: { username: 'bob', password: 'bob-app-password' },
      circuit,
      timeoutMs: 5000,
    });
    const bobHomes = await discoverNextcloud(nc.baseUrl, bob);
    await ensureCollection(
      { url: `${bobHomes.calendarHomeUrl}bobs-tasks/`, type: 'calendar', components: ['VTODO'] },
      bob,
    );
    const t = transport();
    const homes = await discoverNextcloud(nc.baseUrl, t);
    await ensureCollection(
      { url: `${homes.calendarHomeUrl}exchange-tasks/`, type: 'calendar', components: ['VTODO'] },
      t,
    );
    const own = (await listCollections(homes.calendarHomeUrl ?? '', t)).map((c) => new URL(c.url).pathname);
    expect(own.filter((p) => !/contact_birthdays|inbox|trashbin/.test(p))).toEqual([
      '/nextcloud/remote.php/dav/calendars/alice/personal/',
      '/nextcloud/remote.php/dav/calendars/alice/exchange-tasks/',
    ]);
    const bobs = (await listCollections(bobHomes.calendarHomeUrl ?? '', bob)).map((c) => new URL(c.url).pathname);
    expect(bobs.filter((p) => !/contact_birthdays|inbox|trashbin/.test(p))).toEqual([
      '/nextcloud/remote.php/dav/calendars/bob/personal/',
      '/nextcloud/remote.php/dav/calendars/bob/bobs-tasks/',
    ]);
  });

  it('answers as sabre/dav does: 405 for a URL that exists or a plain MKCOL in a home, 409 without a parent home', async () => {
    const auth = { authorization: `Basic ${Buffer.from(`${nc.user}:${nc.password}`).toString('base64')}` };
    const at = (path: string) => `${nc.baseUrl}/remote.php/dav/${path}`;
    const existing = await fetch(at('calendars/alice/personal/'), { method: 'MKCALENDAR', headers: auth });
    expect(existing.status).toBe(405);
    expect(await existing.text()).toContain('The resource you tried to create already exists');
    expect((await fetch(at('addressbooks/users/alice/plain/'), { method: 'MKCOL', headers: auth })).status).toBe(405);
    expect((await fetch(at('calendars/alice/a/b/'), { method: 'MKCALENDAR', headers: auth })).status).toBe(409);
  });

  it('keeps a contact in a created address book: written, listed, read back, and reported by its own sync-token', async () => {
    const t = transport();
    const info = await ensureCollection(
      { url: `${nc.baseUrl}/remote.php/dav/addressbooks/users/alice/made/`, type: 'addressbook' },
      t,
    );
    const s = new DavCollectionStore({ transport: t, url: info.url, type: 'addressbook', codec: pimCodec });
    const token = await s.startToken(window);
    const created = await s.create(sampleContact('nc-card'), { marker: 'm' });
    expect([...(nc.objectsIn(info.url)?.keys() ?? [])]).toHaveLength(1);
    expect(nc.objects.size).toBe(0); // not in the personal calendar
    expect((await collect(s.listWindow(window))).map((i) => i.href)).toEqual([created.ref.href]);
    const [read] = await collect(s.getMany([created.ref.href]));
    expect(read?.found && read.fetched.item.kind).toBe('contact');
    expect((await s.changesSince(token)).changes).toEqual([{ type: 'upsert', ref: created.ref }]);
  });
});
