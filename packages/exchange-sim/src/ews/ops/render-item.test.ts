/**
 * The EWS render cache (`render-item.ts`) keeps each calendar item's XML per version and shape: every change of the
 * item, of its series or of its folder must show in the next read, in every shape, also for the flattened text.
 * (A cache that checks neither the item's nor the master's ChangeKey fails it, as does one ignoring the folder's;
 * for a single both are the same item, and the store builds new instances for each version of a series.)
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../store/clock';
import { MailboxStore } from '../../store/mailbox-store';
import type { CalendarEvent } from '../../store/types';
import type { EwsContext } from '../context';
import { parseShape } from '../shape';
import { parseXml } from '../xml/parse';
import { itemXml } from './render-item';

const TYPES = 'http://schemas.microsoft.com/exchange/services/2006/types';
const MESSAGES = 'http://schemas.microsoft.com/exchange/services/2006/messages';
const shapeOf = (inner: string) =>
  parseShape(parseXml(`<m:ItemShape xmlns:m="${MESSAGES}" xmlns:t="${TYPES}">${inner}</m:ItemShape>`));
const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-02T08:00:00Z');

function setup() {
  const store = new MailboxStore({ clock: new VirtualClock({ start: T0 - 30 * 24 * HOUR, frozen: true }) });
  store.createMailbox({ smtpAddress: 'alice@contoso.com' });
  const cal = store.distinguishedFolder('alice@contoso.com', 'calendar');
  const ctx = { store } as unknown as EwsContext;
  const series = store.createEvent(cal.id, {
    subject: 'Weekly',
    start: T0,
    end: T0 + HOUR,
    recurrence: {
      pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] },
      range: { type: 'numbered', startDate: '2026-03-02', numberOfOccurrences: 4 },
    },
  });
  const single = store.createEvent(cal.id, { subject: 'Single', start: T0 + 2 * HOUR, end: T0 + 3 * HOUR });
  return { store, cal, ctx, series, single };
}

describe('EWS render cache', () => {
  it('shows every change of an item, its series or its folder in the next read, whatever the shape', () => {
    const { store, cal, ctx, series, single } = setup();
    const all = shapeOf('<t:BaseShape>AllProperties</t:BaseShape>');
    const listing = shapeOf(
      `<t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:Subject"/><t:FieldURI FieldURI="item:ParentFolderId"/></t:AdditionalProperties>`,
    );
    const occurrence = () => store.calendarView(cal.id, T0 + 6 * 24 * HOUR, T0 + 8 * 24 * HOUR)[0]!;
    for (const shape of [all, listing]) expect(itemXml(ctx, single, shape)).toContain('<t:Subject>Single</t:Subject>');
    expect(itemXml(ctx, occurrence(), all)).toContain('<t:Subject>Weekly</t:Subject>');

    store.updateItem(single.id, { subject: 'Single, renamed' });
    for (const shape of [all, listing]) {
      expect(itemXml(ctx, single, shape)).toContain('<t:Subject>Single, renamed</t:Subject>');
      expect(itemXml(ctx, single, shape)).toContain(`ChangeKey="${single.changeKey}"`);
    }

    // An occurrence edit changes the series' master (its ModifiedOccurrences) and the occurrence itself.
    store.updateOccurrence(occurrence().id, { subject: 'Moved' });
    expect(itemXml(ctx, occurrence(), all)).toContain('<t:Subject>Moved</t:Subject>');
    expect(itemXml(ctx, store.getItem(series.id) as CalendarEvent, all)).toContain('<t:ModifiedOccurrences>');

    // Renaming the folder gives it a new ChangeKey, which every item's ParentFolderId carries.
    const before = store.getFolder(cal.id).changeKey;
    store.renameFolder(cal.id, 'Kalender');
    const after = store.getFolder(cal.id).changeKey;
    expect(after).not.toBe(before);
    expect(itemXml(ctx, single, listing)).toContain(`ChangeKey="${after}"`);
  });
});
