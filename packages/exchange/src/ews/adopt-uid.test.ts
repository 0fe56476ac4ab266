import { AuthError, RetryableError, type StoredItem } from '@exsync/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXSYNC_MARKER_PROPERTY_SET } from '../marker-property';
import { adoptUidsRequest, uidsAdopted } from './adopt-uid';
import { EwsCollectionStore } from './ews-collection-store';
import { UID_PROPERTY_NAME } from './item-properties';
import { responseMessages } from './soap-answer';
import { MESSAGES_NS, SOAP_NS, TYPES_NS } from './soap-envelope';
import { ALICE, type SimHarness, startSimulator } from './test-simulator';

/**
 * Giving items made in Outlook our ExsyncUid (so that Graph, which does not know their EWS ItemIds, finds them after a
 * move to Graph): UpdateItems of ours, each item at the version it was read at, a folder's items batched.
 */
let h: SimHarness;
let n = 0;

beforeAll(async () => {
  h = await startSimulator();
});
afterAll(() => h?.close());

function folder(kind: 'contacts' | 'tasks') {
  const f = h.sim.store.createFolder(ALICE, { kind, displayName: `${kind} ${++n}` });
  const store = new EwsCollectionStore(h.config({ id: f.id, kind: kind === 'contacts' ? 'addressbook' : 'tasks' }));
  return { store, folderId: f.id };
}

async function storedOf(store: EwsCollectionStore, hrefs: readonly string[]): Promise<StoredItem[]> {
  const out: StoredItem[] = [];
  for await (const r of store.getMany(hrefs)) {
    if (!r.found) throw new Error(`${r.href} not found`);
    out.push({ ref: r.fetched.ref, raw: r.fetched.raw });
  }
  return out;
}

const uidOf = (id: string) =>
  h.sim.store
    .getItem(id)
    .extendedProperties.find((p) => p.propertySetId === EXSYNC_MARKER_PROPERTY_SET && p.name === UID_PROPERTY_NAME)
    ?.value;

const updateItems = () => h.sim.requests({ face: 'ews' }).filter((r) => r.operation === 'UpdateItem').length;
const ewsRequests = () => h.sim.requests({ face: 'ews' }).length;

describe('adoptUids over EWS', () => {
  it('sets ExsyncUid on contacts, a contact group and tasks made in Outlook, a folder in one UpdateItem', async () => {
    const contacts = folder('contacts');
    const ann = h.sim.store.createContact(contacts.folderId, { givenName: 'Ann', surname: 'Outlook' });
    const bob = h.sim.store.createContact(contacts.folderId, { givenName: 'Bob', surname: 'Outlook' });
    const group = h.sim.store.createDistributionList(contacts.folderId, { displayName: 'Team <A&B>' });
    const tasks = folder('tasks');
    const task = h.sim.store.createTask(tasks.folderId, { title: 'Made in Outlook' });
    for (const [store, ids] of [
      [contacts.store, [ann.id, bob.id, group.id]],
      [tasks.store, [task.id]],
    ] as const) {
      const stored = await storedOf(store, ids);
      const uids = ids.map((id, i) => `uid-<${i}>&-${id.slice(-6)}`);
      const before = ewsRequests();
      expect(await store.adoptUids(stored.map((s, i) => ({ stored: s, uid: uids[i]! })))).toBe(ids.length);
      expect(ewsRequests() - before).toBe(1);
      expect(ids.map(uidOf)).toEqual(uids);
      // Read back through the store, the items now carry it: the next run sends nothing.
      const again = await storedOf(store, ids);
      expect(again.map((s) => s.ref.version)).not.toContain(stored[0]!.ref.version);
      const sent = ewsRequests();
      expect(await store.adoptUids(again.map((s) => ({ stored: s, uid: 'another' })))).toBe(0);
      expect(ewsRequests()).toBe(sent);
      expect(ids.map(uidOf)).toEqual(uids);
    }
  });

  it('writes a large folder 25 items an UpdateItem, every item once', async () => {
    const { store, folderId } = folder('contacts');
    const ids = Array.from(
      { length: 60 },
      (_, i) => h.sim.store.createContact(folderId, { givenName: 'Many', surname: `${i}` }).id,
    );
    const stored = await storedOf(store, ids);
    const updates = updateItems();
    expect(await store.adoptUids(stored.map((s, i) => ({ stored: s, uid: `uid-many-${i}` })))).toBe(60);
    expect(updateItems() - updates).toBe(3);
    expect(ids.map(uidOf)).toEqual(ids.map((_, i) => `uid-many-${i}`));
  });

  it('leaves an item Outlook changed or deleted since it was read for the next run, and writes the others', async () => {
    const { store, folderId } = folder('contacts');
    const edited = h.sim.store.createContact(folderId, { givenName: 'Bo', surname: 'Edited' });
    const gone = h.sim.store.createContact(folderId, { givenName: 'Cy', surname: 'Gone' });
    const plain = h.sim.store.createContact(folderId, { givenName: 'Di', surname: 'Plain' });
    const stored = await storedOf(store, [edited.id, gone.id, plain.id]);
    h.sim.store.updateItem(edited.id, { jobTitle: 'Changed in Outlook' });
    h.sim.store.deleteItem(gone.id);
    const updates = updateItems();
    const adopted = await store.adoptUids(stored.map((s, i) => ({ stored: s, uid: `uid-mixed-${i}` })));
    expect(adopted).toBe(1);
    expect(updateItems() - updates).toBe(1);
    expect(uidOf(edited.id)).toBeUndefined();
    expect((h.sim.store.getItem(edited.id) as { jobTitle?: string }).jobTitle).toBe('Changed in Outlook');
    expect(uidOf(plain.id)).toBe('uid-mixed-2');
  });

  it('does nothing for events (their UID is the same in both protocols) nor for items that have one', async () => {
    const calendar = new EwsCollectionStore(h.config('calendar'));
    const before = ewsRequests();
    expect(await calendar.adoptUids([{ stored: { ref: { href: 'x', version: 'y' }, raw: '{}' }, uid: 'uid' }])).toBe(0);
    const { store } = folder('contacts');
    const hasOne = { ref: { href: 'x', version: 'y' }, raw: '{"uid":"has-one"}' };
    expect(await store.adoptUids([{ stored: hasOne, uid: 'uid' }])).toBe(0);
    expect(await store.adoptUids([])).toBe(0);
    expect(ewsRequests()).toBe(before);
  });

  it('writes each value as XML text and names each item type in its SetItemField', () => {
    const body = adoptUidsRequest([
      { itemId: 'id"1', changeKey: 'ck', type: 'DistributionList', uid: 'a<b>&c' },
      { itemId: 'id2', changeKey: 'ck2', type: 'Task', uid: 'plain' },
    ]);
    expect(body).toContain('<t:ItemId Id="id&quot;1" ChangeKey="ck"/>');
    expect(body).toContain('ConflictResolution="NeverOverwrite"');
    expect(body).toContain('<t:DistributionList><t:ExtendedProperty>');
    expect(body).toContain('<t:Value>a&lt;b&gt;&amp;c</t:Value>');
    expect(body.match(/<t:ItemChange>/g)).toHaveLength(2);
    expect(body.indexOf('id&quot;1')).toBeLessThan(body.indexOf('id2'));
    expect(body).toContain('<t:Task><t:ExtendedProperty>');
  });
});

describe('reading an UpdateItem answer of several items', () => {
  const message = (cls: string, code: string) =>
    `<m:UpdateItemResponseMessage ResponseClass="${cls}"><m:MessageText>${code}</m:MessageText><m:ResponseCode>${code}</m:ResponseCode></m:UpdateItemResponseMessage>`;
  const answer = (...messages: string[]) =>
    responseMessages(
      `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="${SOAP_NS}"><s:Body>` +
        `<m:UpdateItemResponse xmlns:m="${MESSAGES_NS}" xmlns:t="${TYPES_NS}"><m:ResponseMessages>${messages.join('')}` +
        '</m:ResponseMessages></m:UpdateItemResponse></s:Body></s:Envelope>',
      'UpdateItem',
    );
  const ok = message('Success', 'NoError');

  it('counts the items written; a stale, deleted, malformed or otherwise refused item is left out', () => {
    const messages = answer(
      ok,
      message('Error', 'ErrorIrresolvableConflict'),
      message('Error', 'ErrorItemNotFound'),
      message('Error', 'ErrorInvalidIdMalformed'),
      message('Error', 'ErrorAccessDenied'),
      ok,
    );
    expect(uidsAdopted(messages, 6)).toBe(2);
  });

  it('refuses an answer whose messages do not pair up with the items asked, to be retried', () => {
    expect(() => uidsAdopted(answer(ok, ok), 3)).toThrow(RetryableError);
    expect(() => uidsAdopted(answer(ok, ok, ok), 2)).toThrow(/3 response messages, not 2/);
  });

  it('ends the batch on a busy server or refused credentials in any of its messages', () => {
    expect(() => uidsAdopted(answer(ok, message('Error', 'ErrorServerBusy')), 2)).toThrow(RetryableError);
    expect(() => uidsAdopted(answer(message('Error', 'ErrorNonExistentMailbox'), ok), 2)).toThrow(AuthError);
  });
});
