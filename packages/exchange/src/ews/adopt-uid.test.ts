import { NotFoundError, type StoredItem } from '@exsync/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXSYNC_MARKER_PROPERTY_SET } from '../marker-property';
import { adoptUidRequest } from './adopt-uid';
import { EwsCollectionStore } from './ews-collection-store';
import { UID_PROPERTY_NAME } from './item-properties';
import { ALICE, type SimHarness, startSimulator } from './test-simulator';

/**
 * Giving an item made in Outlook our ExsyncUid (so that Graph, which does not know its EWS ItemId, finds it after a
 * move to Graph): one UpdateItem of ours per item, at the version it was read at.
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

async function storedOf(store: EwsCollectionStore, href: string): Promise<StoredItem> {
  for await (const r of store.getMany([href])) if (r.found) return { ref: r.fetched.ref, raw: r.fetched.raw };
  throw new Error(`${href} not found`);
}

const uidOf = (id: string) =>
  h.sim.store
    .getItem(id)
    .extendedProperties.find((p) => p.propertySetId === EXSYNC_MARKER_PROPERTY_SET && p.name === UID_PROPERTY_NAME)
    ?.value;

const updateItems = () => h.sim.requests({ face: 'ews' }).filter((r) => r.operation === 'UpdateItem').length;
const ewsRequests = () => h.sim.requests({ face: 'ews' }).length;

describe('adoptUid over EWS', () => {
  it('sets ExsyncUid on a contact, a contact group and a task made in Outlook, in one request each', async () => {
    const contacts = folder('contacts');
    const contact = h.sim.store.createContact(contacts.folderId, { givenName: 'Ann', surname: 'Outlook' });
    const group = h.sim.store.createDistributionList(contacts.folderId, { displayName: 'Team <A&B>' });
    const tasks = folder('tasks');
    const task = h.sim.store.createTask(tasks.folderId, { title: 'Made in Outlook' });
    for (const [store, id, uid] of [
      [contacts.store, contact.id, 'uid-contact'],
      [contacts.store, group.id, 'uid-<group>&'],
      [tasks.store, task.id, 'uid-task'],
    ] as const) {
      const stored = await storedOf(store, id);
      const before = ewsRequests();
      expect(await store.adoptUid(stored, uid)).toBe(true);
      expect(ewsRequests() - before).toBe(1);
      expect(uidOf(id)).toBe(uid);
      // Read back through the store, the item now carries it: the next run sees nothing to adopt.
      const again = await storedOf(store, id);
      expect(again.ref.version).not.toBe(stored.ref.version);
      expect(await store.adoptUid(again, 'another')).toBe(false);
      expect(uidOf(id)).toBe(uid);
    }
  });

  it('leaves an item Outlook changed since it was read for the next run, writing nothing over it', async () => {
    const { store, folderId } = folder('contacts');
    const contact = h.sim.store.createContact(folderId, { givenName: 'Bo', surname: 'Edited' });
    const stored = await storedOf(store, contact.id);
    h.sim.store.updateItem(contact.id, { jobTitle: 'Changed in Outlook' });
    const updates = updateItems();
    expect(await store.adoptUid(stored, 'uid-stale')).toBe(false);
    expect(updateItems() - updates).toBe(1);
    expect(uidOf(contact.id)).toBeUndefined();
    expect((h.sim.store.getItem(contact.id) as { jobTitle?: string }).jobTitle).toBe('Changed in Outlook');
  });

  it('reports an item deleted since it was read as NotFoundError', async () => {
    const { store, folderId } = folder('tasks');
    const task = h.sim.store.createTask(folderId, { title: 'Gone' });
    const stored = await storedOf(store, task.id);
    h.sim.store.deleteItem(task.id);
    await expect(store.adoptUid(stored, 'uid-gone')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('does nothing for events (their UID is the same in both protocols) nor for an item that has one', async () => {
    const calendar = new EwsCollectionStore(h.config('calendar'));
    const before = ewsRequests();
    expect(await calendar.adoptUid({ ref: { href: 'x', version: 'y' }, raw: '{}' }, 'uid')).toBe(false);
    const { store } = folder('contacts');
    expect(await store.adoptUid({ ref: { href: 'x', version: 'y' }, raw: '{"uid":"has-one"}' }, 'uid')).toBe(false);
    expect(ewsRequests()).toBe(before);
  });

  it('writes the value as XML text and names the item type in SetItemField', () => {
    const body = adoptUidRequest('id"1', 'ck', 'DistributionList', 'a<b>&c');
    expect(body).toContain('<t:ItemId Id="id&quot;1" ChangeKey="ck"/>');
    expect(body).toContain('ConflictResolution="NeverOverwrite"');
    expect(body).toContain('<t:DistributionList><t:ExtendedProperty>');
    expect(body).toContain('<t:Value>a&lt;b&gt;&amp;c</t:Value>');
  });
});
