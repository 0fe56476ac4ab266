import { sampleEvent, sampleTask } from '@exsync/core/testing';
import { findOrCreatePair, PrismaStatusStore } from '@exsync/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTenant, startTestApp, type TestApp } from '../../testing/harness';

let t: TestApp;
let tenant: { id: string; key: string };
let status: PrismaStatusStore;
let pair: string;

const side = (href: string) => ({ href, version: 'v1', hash: 'h', raw: 'raw' });

beforeAll(async () => {
  t = await startTestApp();
  tenant = await createTenant(t, 'Acme');
  for (const ncUserId of ['alice', 'bob']) {
    const r = await t.app.inject({
      method: 'PUT',
      url: `/v1/users/${ncUserId}`,
      headers: bearer(tenant.key),
      payload: { loginName: ncUserId, appPassword: 'pw', mailbox: `${ncUserId}@acme.example` },
    });
    expect(r.statusCode).toBe(201);
  }
  const [alice] = await t.db.query<{ id: string }>("SELECT id FROM users WHERE nc_user_id = 'alice'");
  status = new PrismaStatusStore(t.db);
  pair = await findOrCreatePair(t.db, {
    userId: alice!.id,
    kind: 'event',
    aCollectionId: 'ex-cal',
    bCollectionId: '/dav/cal/',
  });
  for (const n of [1, 2, 3]) {
    const ident = `e${n}`;
    await status.transaction(pair, async (tx) => {
      await tx.put({
        ident,
        a: side(`/ex/${ident}`),
        b: side(`/dav/${ident}.ics`),
        base: sampleEvent(ident, '2030-03-01T09:00:00Z', { summary: `Meeting ${n}` }),
      });
      // Deleted in Exchange (a): the deletion would be applied to Nextcloud (b).
      await tx.quarantine({ ident, side: 'b', href: `/dav/${ident}.ics`, reason: 'threshold' });
    });
  }
  await status.transaction(pair, (tx) =>
    tx.recordConflict({
      ident: 'e1',
      fields: ['summary'],
      policy: 'side-wins',
      winner: 'a',
      aItem: sampleTask('x', { summary: 'from Exchange' }),
      bItem: sampleTask('x', { summary: 'from Nextcloud' }),
    }),
  );
}, 60_000);
afterAll(async () => {
  await t?.close();
});

const get = (path: string, key = tenant.key) => t.app.inject({ method: 'GET', url: path, headers: bearer(key) });
const decide = (payload: unknown, user = 'alice') =>
  t.app.inject({
    method: 'POST',
    url: `/v1/users/${user}/held-deletions/decision`,
    headers: bearer(tenant.key),
    payload: payload as object,
  });

describe('held deletions', () => {
  it('lists what was deleted where, why, when, and what the item was', async () => {
    const r = await get('/v1/users/alice/held-deletions');
    expect(r.statusCode).toBe(200);
    const items = r.json().items;
    expect(items).toHaveLength(3);
    expect(items[0]).toMatchObject({
      kind: 'event',
      deletedIn: 'exchange',
      reason: 'threshold',
      summary: 'Meeting 1',
      decision: null,
      item: { summary: 'Meeting 1', start: { kind: 'utc', dateTime: '2030-03-01T09:00:00Z' } },
    });
    expect(Number.isNaN(Date.parse(items[0].heldAt))).toBe(false);
    expect((await get('/v1/users/bob/held-deletions')).json().items).toEqual([]);
  });

  it('records a decision on a selection, names ids that are not held, and queues a sync to carry it out', async () => {
    const [first, second] = (await get('/v1/users/alice/held-deletions')).json().items;
    const other = '00000000-0000-4000-8000-000000000000';
    const r = await decide({ decision: 'restore', ids: [first.id, other] });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ decided: 1, notHeld: [other], job: { state: 'queued' } });
    await decide({ decision: 'apply', ids: [second.id] });
    const decisions = (await get('/v1/users/alice/held-deletions'))
      .json()
      .items.map((i: { decision: string }) => i.decision);
    expect(decisions).toEqual(['restore', 'apply', null]);
    expect((await status.quarantined(pair)).map((q) => q.decision ?? null)).toEqual(['restore', 'apply', null]);
  });

  it('an id in upper case is the same held deletion', async () => {
    const [first] = (await get('/v1/users/alice/held-deletions')).json().items;
    const r = await decide({ decision: 'restore', ids: [first.id.toUpperCase()] });
    expect(r.json()).toMatchObject({ decided: 1, notHeld: [] });
  });

  it('`all` decides every held deletion; another user’s ids are never touched', async () => {
    const ids = (await get('/v1/users/alice/held-deletions')).json().items.map((i: { id: string }) => i.id);
    const asBob = await decide({ decision: 'apply', ids }, 'bob');
    expect(asBob.json()).toMatchObject({ decided: 0, notHeld: ids });
    const all = await decide({ decision: 'apply', all: true });
    expect(all.json().decided).toBe(3);
  });

  it('refuses a body with both or neither of ids and all, an unknown decision, and an unknown user', async () => {
    for (const body of [{ decision: 'apply' }, { decision: 'apply', all: true, ids: [crypto.randomUUID()] }]) {
      const r = await decide(body);
      expect(r.statusCode).toBe(400);
      expect(r.json().code).toBe('EXSYNC_VALIDATION_FAILED');
    }
    expect((await decide({ decision: 'forget', all: true })).statusCode).toBe(400);
    expect((await decide({ decision: 'apply', all: true }, 'nobody')).statusCode).toBe(404);
  });

  it('works under /v1/tenants/{id} with the admin key', async () => {
    const r = await get(`/v1/tenants/${tenant.id}/users/alice/held-deletions`, t.adminKey);
    expect(r.statusCode).toBe(200);
    expect(r.json().items).toHaveLength(3);
  });
});

describe('conflict log', () => {
  it('shows both versions, the fields and the policy’s choice, newest first, paged, and refuses a foreign cursor', async () => {
    await status.transaction(pair, (tx) =>
      tx.recordConflict({
        ident: 'e2',
        fields: ['location'],
        policy: 'newest',
        winner: 'b',
        aItem: sampleTask('y'),
        bItem: sampleTask('y', { summary: 'newer' }),
      }),
    );
    const first = await get('/v1/users/alice/conflicts?limit=1');
    expect(first.statusCode).toBe(200);
    expect(first.json().items).toEqual([
      expect.objectContaining({ kind: 'event', fields: ['location'], policy: 'newest', winner: 'nextcloud' }),
    ]);
    const second = await get(`/v1/users/alice/conflicts?limit=1&cursor=${first.json().nextCursor}`);
    expect(second.json().items).toEqual([
      expect.objectContaining({
        fields: ['summary'],
        winner: 'exchange',
        exchange: expect.objectContaining({ summary: 'from Exchange' }),
        nextcloud: expect.objectContaining({ summary: 'from Nextcloud' }),
      }),
    ]);
    expect(second.json().nextCursor).toBeNull();
    const bad = await get('/v1/users/alice/conflicts?cursor=bm9wZQ');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('EXSYNC_INVALID_CURSOR');
  });
});
