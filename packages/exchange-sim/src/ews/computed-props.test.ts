import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../store/clock';
import { MailboxStore } from '../store/mailbox-store';
import type { ExtendedProperty, Item } from '../store/types';
import {
  type CalendarItemType,
  computableItemKeys,
  computedItemProperties,
  shapedExtendedProperties,
} from './computed-props';
import { extendedKey } from './items/common';

function items(): Item[] {
  const store = new MailboxStore({
    clock: new VirtualClock({ start: Date.parse('2026-01-01T00:00:00Z'), frozen: true }),
  });
  const mbx = store.createMailbox({ smtpAddress: 'alice@contoso.com' });
  const folder = (k: 'calendar' | 'contacts' | 'tasks') => store.distinguishedFolder(mbx.id, k).id;
  const event = store.createEvent(folder('calendar'), { subject: 'E', start: 0, end: 3_600_000 });
  const series = store.createEvent(folder('calendar'), {
    subject: 'S',
    start: 0,
    end: 3_600_000,
    recurrence: {
      pattern: { type: 'daily', interval: 1 },
      range: { type: 'numbered', startDate: '1970-01-01', numberOfOccurrences: 3 },
    },
  });
  const contact = store.createContact(folder('contacts'), { givenName: 'Erin' });
  const list = store.createDistributionList(folder('contacts'), { displayName: 'Team' });
  const task = store.createTask(folder('tasks'), { title: 'T' });
  // Every field a MAPI mapping reads, set: the computed list is then as long as it gets.
  const fullContact = {
    ...contact,
    displayName: 'Erin Doe',
    surname: 'Doe',
    middleName: 'M',
    nickName: 'E',
    title: 'Dr',
    generation: 'Jr',
    companyName: 'C',
    department: 'D',
    jobTitle: 'J',
    mobilePhone: '1',
    businessPhones: ['2'],
    homePhones: ['3'],
    otherPhones: ['4'],
    businessHomePage: 'https://example.org',
    birthday: '1990-01-02',
  } as Item;
  const fullTask = { ...task, dueDateTime: 86_400_000, startDateTime: 0 } as Item;
  return [event, series, contact, fullContact, list, task, fullTask];
}

describe('computed item properties', () => {
  it('yield only keys listed as computable for their kind, for every item kind and calendar item type', () => {
    const types: (CalendarItemType | undefined)[] = [undefined, 'Single', 'RecurringMaster', 'Occurrence', 'Exception'];
    let checked = 0;
    for (const item of items()) {
      for (const type of item.kind === 'event' ? types : [undefined]) {
        for (const p of computedItemProperties(item, type)) {
          expect(computableItemKeys(item.kind).has(extendedKey(p)), `${item.kind}: ${extendedKey(p)}`).toBe(true);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(60);
  });

  it('are built for a shape wanting one of them, and skipped for a shape wanting only stored ones', () => {
    const stored: ExtendedProperty = {
      propertySetId: 'c11ff724-aa03-4555-9952-8fa248a11c3e',
      name: 'Mark',
      type: 'String',
      value: 'm',
    };
    const messageClass: ExtendedProperty = {
      propertySetId: 'Tag',
      id: 0x001a,
      type: 'String',
      value: 'IPM.Appointment',
    };
    const computable = computableItemKeys('event');
    let built = 0;
    const computed = () => {
      built++;
      return [messageClass];
    };
    const both = { extended: new Set([extendedKey(stored), extendedKey(messageClass)]) };
    expect(shapedExtendedProperties(both, [stored], computed, computable)).toEqual([stored, messageClass]);
    expect(built).toBe(1);
    const ownOnly = { extended: new Set([extendedKey(stored)]) };
    expect(shapedExtendedProperties(ownOnly, [stored], computed, computable)).toEqual([stored]);
    expect(built).toBe(1);
  });
});
