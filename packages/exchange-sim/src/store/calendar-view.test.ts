import { describe, expect, it } from 'vitest';
import { VirtualClock } from './clock';
import { MailboxStore } from './mailbox-store';
import type { EventInstance } from './types';

const T = (s: string) => Date.parse(s);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function setup() {
  const store = new MailboxStore({ clock: new VirtualClock({ start: T('2026-01-01T00:00:00Z'), frozen: true }) });
  const mbx = store.createMailbox({ smtpAddress: 'alice@contoso.com', displayName: 'Alice' });
  const cal = store.distinguishedFolder(mbx.id, 'calendar');
  const other = store.createFolder(mbx.id, { kind: 'calendar', displayName: 'Other' });
  const base = T('2026-03-02T08:00:00Z');
  const singles = Array.from({ length: 6 }, (_, i) =>
    store.createEvent(cal.id, {
      subject: `Single ${i}`,
      start: base + i * DAY,
      end: base + i * DAY + (i === 2 ? 0 : HOUR),
    }),
  );
  const series = store.createEvent(cal.id, {
    subject: 'Weekly',
    start: base,
    end: base + HOUR,
    timeZone: 'Europe/Berlin',
    recurrence: {
      pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] },
      range: { type: 'numbered', startDate: '2026-03-02', numberOfOccurrences: 8 },
    },
  });
  const endless = store.createEvent(cal.id, {
    subject: 'Daily',
    start: base + 2 * HOUR,
    end: base + 3 * HOUR,
    recurrence: { pattern: { type: 'daily', interval: 3 }, range: { type: 'noEnd', startDate: '2026-03-02' } },
  });
  return { store, cal, other, base, singles, series, endless };
}

/** The view worked out item by item (each item's own instances, then sorted), without the folder's memo. */
function viewItemByItem(store: MailboxStore, folderId: string, from: number, to: number): string[] {
  const all: EventInstance[] = [];
  for (const it of store.listItems(folderId)) if (it.kind === 'event') all.push(...store.instancesOf(it.id, from, to));
  all.sort((a, b) => a.fields.start - b.fields.start || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return all.map(describeInstance);
}

const describeInstance = (i: EventInstance) =>
  `${new Date(i.fields.start).toISOString()} ${i.fields.subject} ${i.type} ${i.id} ${i.changeKey}`;

describe('calendar view', () => {
  it('lists every window exactly as the items list their own instances, before and after each kind of change', () => {
    const { store, cal, other, base, singles, series, endless } = setup();
    const windows: [number, number][] = [
      [base - DAY, base + 60 * DAY],
      [base + DAY, base + 3 * DAY],
      [base + 2 * DAY, base + 2 * DAY + 1],
      [base + 20 * DAY, base + 40 * DAY],
    ];
    const check = () => {
      for (const [from, to] of windows) {
        expect(store.calendarView(cal.id, from, to).map(describeInstance)).toEqual(
          viewItemByItem(store, cal.id, from, to),
        );
      }
    };
    check();
    const changes: (() => void)[] = [
      () => store.updateItem(singles[0]!.id, { subject: 'Renamed' }),
      () => store.updateItem(singles[1]!.id, { start: base + 30 * DAY, end: base + 30 * DAY + HOUR }),
      () => store.createEvent(cal.id, { subject: 'New', start: base + DAY + HOUR, end: base + DAY + 2 * HOUR }),
      () => store.deleteItem(singles[3]!.id),
      () => store.moveItem(singles[4]!.id, other.id),
      () => store.updateItem(series.id, { start: base + HOUR, end: base + 2 * HOUR }),
      () => {
        const occ = store.calendarView(cal.id, base + 6 * DAY, base + 8 * DAY).find((i) => i.master.id === series.id)!;
        store.updateOccurrence(occ.id, {
          subject: 'Moved occurrence',
          start: occ.fields.start - 5 * DAY,
          end: occ.fields.end - 5 * DAY,
        });
      },
      () => {
        const occ = store
          .calendarView(cal.id, base + 20 * DAY, base + 22 * DAY)
          .find((i) => i.master.id === series.id)!;
        store.deleteOccurrence(occ.id);
      },
      () => store.updateItem(endless.id, { subject: 'Daily, renamed' }),
    ];
    for (const change of changes) {
      change();
      check();
    }
    // The view names what changed: a stale list would still show the old subject and the moved single.
    const view = store.calendarView(cal.id, base - DAY, base + 60 * DAY).map((i) => i.fields.subject);
    expect(view).toContain('Renamed');
    expect(view).toContain('Moved occurrence');
    expect(view).toContain('New');
    expect(view).not.toContain('Single 0');
    expect(view).not.toContain('Single 3');
    expect(view).not.toContain('Single 4');
  });
});
