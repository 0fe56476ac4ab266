import {
  BasePropertySet,
  ChangeType,
  ConnectingIdType,
  ExchangeService,
  ExchangeVersion,
  ExtendedPropertyDefinition,
  FolderId,
  Guid,
  ImpersonatedUserId,
  ItemId,
  MapiPropertyType,
  PropertySet,
  ServiceError,
  SyncFolderItemsScope,
  Uri,
  WebCredentials,
} from 'ews-javascript-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ALICE, type Harness, PASSWORD, rawSoap, startEws, withTimeout } from './test-support';

let h: Harness;
let svc: ExchangeService;
let calendarId: string;
let contactsId: string;

beforeAll(async () => {
  h = await startEws();
  svc = new ExchangeService(ExchangeVersion.Exchange2013_SP1);
  svc.Url = new Uri(h.url);
  svc.Credentials = new WebCredentials('CONTOSO\\svc-sync', PASSWORD);
  svc.ImpersonatedUserId = new ImpersonatedUserId(ConnectingIdType.SmtpAddress, ALICE);
  svc.HttpHeaders.Add('X-AnchorMailbox', ALICE);
});
afterAll(() => h.close());

beforeEach(() => {
  // A fresh calendar per test keeps the journals independent.
  const n = Math.random().toString(36).slice(2, 8);
  calendarId = h.sim.store.createFolder(ALICE, { kind: 'calendar', displayName: `cal-${n}` }).id;
  contactsId = h.sim.store.createFolder(ALICE, { kind: 'contacts', displayName: `con-${n}` }).id;
});

const hour = 3_600_000;
const t0 = Date.UTC(2026, 2, 2, 9);

function addEvent(subject: string, extra: Record<string, unknown> = {}) {
  return h.sim.store.createEvent(calendarId, { subject, start: t0, end: t0 + hour, ...extra });
}

async function sync(folder: string, state: string | null, max = 512, ignore: string[] = []) {
  const res = await withTimeout(
    svc.SyncFolderItems(
      new FolderId(folder),
      new PropertySet(BasePropertySet.IdOnly),
      ignore.map((i) => new ItemId(i)),
      max,
      SyncFolderItemsScope.NormalItems,
      state as string,
    ),
  );
  const changes = [...res.GetEnumerator()].map((c) => ({
    type: ChangeType[c.ChangeType],
    id: c.ItemId.UniqueId,
    changeKey: c.ItemId.ChangeKey,
  }));
  return { changes, state: res.SyncState, more: res.MoreChangesAvailable };
}

describe('SyncFolderItems', () => {
  it('enumerates every item as Create on the first call, newest first', async () => {
    const a = addEvent('a');
    const b = addEvent('b');
    const r = await sync(calendarId, null);
    expect(r.changes).toEqual([
      { type: 'Create', id: b.id, changeKey: b.changeKey },
      { type: 'Create', id: a.id, changeKey: a.changeKey },
    ]);
    expect(r.more).toBe(false);
    expect((await sync(calendarId, r.state)).changes).toEqual([]);
  });

  it('replays: the same SyncState returns the same changes again, plus anything newer', async () => {
    const s0 = (await sync(calendarId, null)).state;
    const a = addEvent('a');
    const first = await sync(calendarId, s0);
    const second = await sync(calendarId, s0);
    expect(second.changes).toEqual(first.changes);
    const b = addEvent('b');
    const third = await sync(calendarId, s0);
    expect(third.changes.map((c) => c.id)).toEqual([b.id, a.id]);
  });

  it('refuses a tampered, truncated or foreign SyncState with ErrorInvalidSyncStateData', async () => {
    addEvent('a');
    const { state } = await sync(calendarId, null);
    const raw = Buffer.from(state, 'base64');
    raw[raw.length - 20] = (raw[raw.length - 20] ?? 0) ^ 0xff;
    const tampered = raw.toString('base64');
    const truncated = state.slice(0, state.length - 12);
    const foreign = (await sync(contactsId, null)).state;
    for (const bad of [tampered, truncated, foreign, 'bm90IGEgc3luYyBzdGF0ZQ==']) {
      await expect(sync(calendarId, bad)).rejects.toMatchObject({ ErrorCode: ServiceError.ErrorInvalidSyncStateData });
    }
  });

  it('coalesces a create and an update within one round into one Create with the latest ChangeKey', async () => {
    const s0 = (await sync(calendarId, null)).state;
    const a = addEvent('a');
    h.sim.store.updateItem(a.id, { subject: 'a2' });
    h.sim.store.updateItem(a.id, { subject: 'a3' });
    const r = await sync(calendarId, s0);
    expect(r.changes).toEqual([{ type: 'Create', id: a.id, changeKey: h.sim.store.getItem(a.id).changeKey }]);
  });

  it('coalesces repeated updates into one Update, and a create followed by a delete into nothing', async () => {
    const a = addEvent('a');
    const s0 = (await sync(calendarId, null)).state;
    h.sim.store.updateItem(a.id, { subject: 'x' });
    h.sim.store.updateItem(a.id, { subject: 'y' });
    const gone = addEvent('short-lived');
    h.sim.store.deleteItem(gone.id);
    const r = await sync(calendarId, s0);
    expect(r.changes.map((c) => [c.type, c.id])).toEqual([['Update', a.id]]);
  });

  it('reports the deletion of a known item as Delete', async () => {
    const a = addEvent('a');
    const s0 = (await sync(calendarId, null)).state;
    h.sim.store.deleteItem(a.id, { moveToDeletedItems: true });
    expect((await sync(calendarId, s0)).changes.map((c) => [c.type, c.id])).toEqual([['Delete', a.id]]);
  });

  it('reports an exception edit and a deleted occurrence as an Update of the master with a new ChangeKey', async () => {
    const master = addEvent('weekly', {
      recurrence: {
        pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] },
        range: { type: 'numbered', startDate: '2026-03-02', numberOfOccurrences: 5 },
      },
    });
    const ck0 = master.changeKey;
    const s0 = (await sync(calendarId, null)).state;
    const [, second, third] = h.sim.store.instancesOf(master.id, t0, t0 + 30 * 24 * hour);
    h.sim.store.updateOccurrence(second!.id, { subject: 'moved' });
    let r = await sync(calendarId, s0);
    expect(r.changes).toEqual([{ type: 'Update', id: master.id, changeKey: h.sim.store.getItem(master.id).changeKey }]);
    expect(r.changes[0]?.changeKey).not.toBe(ck0);
    h.sim.store.deleteOccurrence(third!.id);
    r = await sync(calendarId, r.state);
    expect(r.changes.map((c) => [c.type, c.id])).toEqual([['Update', master.id]]);
  });

  it('pages by MaxChangesReturned with IncludesLastItemInRange=false until the last page, without duplicates', async () => {
    const ids = Array.from({ length: 5 }, (_, i) => addEvent(`e${i}`).id);
    const seen: string[] = [];
    let state: string | null = null;
    const mores: boolean[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await sync(calendarId, state, 2);
      seen.push(...r.changes.map((c) => c.id));
      mores.push(r.more);
      state = r.state;
      if (!r.more) break;
      if (i === 0) addEvent('late'); // a change during paging is not lost
    }
    // 5 + 1 late item in pages of 2
    expect(mores).toEqual([true, true, false]);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(ids));
    expect(seen).toHaveLength(6);
  });

  it('rejects MaxChangesReturned outside 1..512 with an ErrorSchemaValidation fault', async () => {
    for (const n of [0, 513]) {
      const r = await rawSoap(
        h.url,
        `<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:SyncFolderId><t:FolderId Id="${calendarId}"/></m:SyncFolderId><m:MaxChangesReturned>${n}</m:MaxChangesReturned></m:SyncFolderItems>`,
      );
      expect(r.status).toBe(500);
      expect(r.body).toContain(
        '<e:ResponseCode xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">ErrorSchemaValidation</e:ResponseCode>',
      );
    }
  });

  it('leaves out ids given in Ignore', async () => {
    const a = addEvent('a');
    const b = addEvent('b');
    const r = await sync(calendarId, null, 512, [a.id]);
    expect(r.changes.map((c) => c.id)).toEqual([b.id]);
  });

  it('returns distribution lists beside contacts in a contacts folder', async () => {
    const c = h.sim.store.createContact(contactsId, { givenName: 'Dora', surname: 'Explorer' });
    const dl = h.sim.store.createDistributionList(contactsId, {
      displayName: 'Team',
      members: [{ address: 'x@example.com' }],
    });
    const res = await withTimeout(
      svc.SyncFolderItems(
        new FolderId(contactsId),
        new PropertySet(BasePropertySet.IdOnly),
        [],
        512,
        SyncFolderItemsScope.NormalItems,
        null as unknown as string,
      ),
    );
    const kinds = [...res.GetEnumerator()].map((x) => [x.ItemId.UniqueId, x.Item?.constructor.name]);
    expect(kinds).toEqual([
      [dl.id, 'ContactGroup'],
      [c.id, 'Contact'],
    ]);
  });

  it('reports an item moved out as Delete and an item moved in as Create', async () => {
    const a = addEvent('mover');
    const sCal = (await sync(calendarId, null)).state;
    const other = h.sim.store.createFolder(ALICE, { kind: 'calendar', displayName: `other-${calendarId.slice(-6)}` });
    const sOther = (await sync(other.id, null)).state;
    const oldId = a.id;
    // A move may give the item a new id (no immutable ids); the old folder reports the id the client knew.
    const moved = h.sim.store.moveItem(oldId, other.id);
    expect((await sync(calendarId, sCal)).changes.map((c) => [c.type, c.id])).toEqual([['Delete', oldId]]);
    expect((await sync(other.id, sOther)).changes.map((c) => [c.type, c.id])).toEqual([['Create', moved.id]]);
  });

  it('returns requested extended properties with a non-IdOnly shape', async () => {
    const href = new ExtendedPropertyDefinition(
      new Guid('c11ff724-aa03-4555-9952-8fa248a11c3e'),
      'NextcloudHref',
      MapiPropertyType.String,
    );
    addEvent('marked', {
      extendedProperties: [
        {
          propertySetId: 'c11ff724-aa03-4555-9952-8fa248a11c3e',
          name: 'NextcloudHref',
          type: 'String',
          value: '/dav/x.ics',
        },
      ],
    });
    const res = await withTimeout(
      svc.SyncFolderItems(
        new FolderId(calendarId),
        new PropertySet(BasePropertySet.IdOnly, [href]),
        [],
        10,
        SyncFolderItemsScope.NormalItems,
        null as unknown as string,
      ),
    );
    const item = [...res.GetEnumerator()][0]?.Item;
    const out = { outValue: undefined as unknown };
    expect(item?.ExtendedProperties.TryGetValue(href, out)).toBe(true);
    expect(out.outValue).toBe('/dav/x.ics');
  });

  it('puts only the ItemId inside the type element for the IdOnly shape', async () => {
    addEvent('a');
    const r = await rawSoap(
      h.url,
      `<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:SyncFolderId><t:FolderId Id="${calendarId}"/></m:SyncFolderId><m:MaxChangesReturned>10</m:MaxChangesReturned></m:SyncFolderItems>`,
    );
    expect(r.body).toMatch(
      /<m:Changes><t:Create><t:CalendarItem><t:ItemId Id="[^"]+" ChangeKey="[^"]+"\/><\/t:CalendarItem><\/t:Create><\/m:Changes>/,
    );
  });
});
