import { describe, expect, it } from 'vitest';
import { VirtualClock } from './clock';
import { decodeId } from './ids';
import { MailboxStore } from './mailbox-store';

const T = (s: string) => Date.parse(s);

function setup() {
  const store = new MailboxStore({ clock: new VirtualClock({ start: T('2026-01-01T00:00:00Z'), frozen: true }) });
  const mbx = store.createMailbox({ smtpAddress: 'alice@contoso.com', displayName: 'Alice' });
  const cal = store.distinguishedFolder(mbx.id, 'calendar');
  return { store, mbx, cal };
}

describe('MailboxStore', () => {
  it('issues EWS ids with + and / and Graph ids ending in =, both resolving to the same item, never reused', () => {
    const { store, cal } = setup();
    const a = store.createEvent(cal.id, {
      subject: 'A',
      start: T('2026-01-05T09:00:00Z'),
      end: T('2026-01-05T10:00:00Z'),
    });
    expect(a.id).toMatch(/^AAMk.*[+].*\/.*=$/);
    expect(a.graphId).toMatch(/^[A-Za-z0-9_-]+=$/);
    expect(store.getItem(a.graphId)).toBe(a);
    expect(store.findItem(a.graphId.toLowerCase())).toBeUndefined();
    store.deleteItem(a.id);
    const b = store.createEvent(cal.id, { subject: 'B', start: 0, end: 0 });
    expect(b.id).not.toBe(a.id);
    expect(store.findItem(a.id)).toBeUndefined();
  });

  it('finds mailboxes by SMTP/UPN case-insensitively', () => {
    const { store, mbx } = setup();
    expect(store.getMailbox('ALICE@contoso.com')).toBe(mbx);
    expect(() => store.getMailbox('bob@contoso.com')).toThrow(/No mailbox/);
  });

  it('changes the ChangeKey on every write and refuses a stale one', () => {
    const { store, cal } = setup();
    const e = store.createEvent(cal.id, { subject: 'x', start: 0, end: 1 });
    const ck1 = e.changeKey;
    store.updateItem(e.id, { subject: 'y' }, { ifChangeKey: ck1 });
    expect(e.changeKey).not.toBe(ck1);
    expect(() => store.updateItem(e.id, { subject: 'z' }, { ifChangeKey: ck1 })).toThrow(
      expect.objectContaining({ code: 'ChangeKeyMismatch' }),
    );
  });

  it('coalesces journal entries: create+update is a create, create+delete is nothing, updates fold into one', () => {
    const { store, cal } = setup();
    const kept = store.createEvent(cal.id, { subject: 'kept', start: 0, end: 1 });
    const s0 = store.currentSeq();
    const fresh = store.createEvent(cal.id, { subject: 'fresh', start: 0, end: 1 });
    store.updateItem(fresh.id, { subject: 'fresh2' });
    const gone = store.createEvent(cal.id, { subject: 'gone', start: 0, end: 1 });
    store.deleteItem(gone.id);
    store.updateItem(kept.id, { subject: 'k2' });
    store.updateItem(kept.id, { subject: 'k3' });
    const changes = store.changesSince(cal.id, s0).map((c) => [c.change, c.itemId]);
    expect(changes).toEqual([
      ['create', fresh.id],
      ['update', kept.id],
    ]);
    // Replay: an older seq gives the older view again.
    expect(store.changesSince(cal.id, 0).map((c) => c.change)).toEqual(['create', 'create']);
  });

  it('reports a move out of a folder as a delete there and a create in the target', () => {
    const { store, mbx, cal } = setup();
    const other = store.createFolder(mbx.id, { kind: 'calendar', displayName: 'Team' });
    const e = store.createEvent(cal.id, { subject: 'm', start: 0, end: 1 });
    const s0 = store.currentSeq();
    store.moveItem(e.id, other.id);
    expect(store.changesSince(cal.id, s0).map((c) => c.change)).toEqual(['delete']);
    expect(store.changesSince(other.id, s0).map((c) => c.change)).toEqual(['create']);
  });

  it('expands a series with an exception and a deleted occurrence; occurrence edits update the master', () => {
    const { store, cal } = setup();
    const m = store.createEvent(cal.id, {
      subject: 'Weekly',
      start: T('2026-01-05T08:00:00Z'),
      end: T('2026-01-05T09:00:00Z'),
      timeZone: 'Europe/Berlin',
      recurrence: {
        pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] },
        range: { type: 'numbered', startDate: '2026-01-05', numberOfOccurrences: 4 },
      },
    });
    const from = T('2026-01-01T00:00:00Z');
    const to = T('2026-02-01T00:00:00Z');
    const [i1, i2, i3] = store.calendarView(cal.id, from, to);
    expect(store.calendarView(cal.id, from, to).every((i) => i.type === 'occurrence')).toBe(true);
    const s0 = store.currentSeq();
    const ck0 = m.changeKey;
    store.updateOccurrence(i2!.id, {
      subject: 'Moved',
      start: T('2026-01-12T10:00:00Z'),
      end: T('2026-01-12T11:00:00Z'),
    });
    store.deleteOccurrence(i3!.id);
    expect(m.changeKey).not.toBe(ck0);
    expect(store.changesSince(cal.id, s0).map((c) => [c.change, c.itemId])).toEqual([['update', m.id]]);
    const view = store.calendarView(cal.id, from, to);
    expect(view.map((i) => [i.type, i.fields.subject])).toEqual([
      ['occurrence', 'Weekly'],
      ['exception', 'Moved'],
      ['occurrence', 'Weekly'],
    ]);
    expect(view[1]!.id).toBe(i2!.id);
    expect(() => store.getInstance(i3!.id)).toThrow(expect.objectContaining({ code: 'OccurrenceDeleted' }));
    expect(store.getInstance(i1!.id).index).toBe(1);
    expect(decodeId(i1!.id)?.kind).toBe('occurrence');
    // Changing the pattern drops exceptions and retires the old occurrence ids.
    store.updateItem(m.id, { start: T('2026-01-05T09:00:00Z'), end: T('2026-01-05T10:00:00Z') });
    expect(m.exceptions.size).toBe(0);
    expect(() => store.getInstance(i1!.id)).toThrow(expect.objectContaining({ code: 'ItemNotFound' }));
  });

  it('generates a GlobalObjectId-like UID when none is given and keeps a client UID', () => {
    const { store, cal } = setup();
    expect(store.createEvent(cal.id, { start: 0, end: 0 }).uid).toMatch(/^040000008200E00074C5B7101A82E008[0-9A-F]+$/);
    expect(store.createEvent(cal.id, { start: 0, end: 0, uid: 'abc@nc' }).uid).toBe('abc@nc');
  });

  it('merges extended properties by identity and keeps contact slot limits', () => {
    const { store, mbx } = setup();
    const contacts = store.distinguishedFolder(mbx.id, 'contacts');
    const c = store.createContact(contacts.id, {
      givenName: 'Bo',
      surname: 'Ek',
      extendedProperties: [
        { propertySetId: 'C11FF724-AA03-4555-9952-8FA248A11C3E', name: 'Href', type: 'String', value: '/a' },
      ],
    });
    expect(c.displayName).toBe('Bo Ek');
    store.updateItem(c.id, {
      extendedProperties: [
        { propertySetId: 'c11ff724-aa03-4555-9952-8fa248a11c3e', name: 'Href', type: 'String', value: '/b' },
      ],
    });
    expect(c.extendedProperties).toEqual([
      { propertySetId: 'c11ff724-aa03-4555-9952-8fa248a11c3e', name: 'Href', type: 'String', value: '/b' },
    ]);
    expect(() =>
      store.createContact(contacts.id, { emailAddresses: [1, 2, 3, 4].map((n) => ({ address: `${n}@x.org` })) }),
    ).toThrow(/at most three/);
  });
});
