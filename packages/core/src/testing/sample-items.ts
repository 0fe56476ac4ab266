import type { ContactItem, DateValue, EventItem, TaskItem } from '../model';

/** Minimal valid items for tests; every collection field is present so the builders type-check strictly. */

export function sampleEvent(
  uid: string,
  start: string,
  overrides: Partial<Omit<EventItem, 'kind' | 'uid'>> = {},
): EventItem {
  const startValue = utc(start);
  return {
    kind: 'event',
    uid,
    summary: `Event ${uid}`,
    start: startValue,
    end: utc(new Date(Date.parse(start) + 3600_000).toISOString()),
    categories: [],
    attendees: [],
    reminders: [],
    attachments: [],
    recurrenceDates: [],
    excludedDates: [],
    exceptions: [],
    ...overrides,
  };
}

export function sampleTask(uid: string, overrides: Partial<Omit<TaskItem, 'kind' | 'uid'>> = {}): TaskItem {
  return {
    kind: 'task',
    uid,
    summary: `Task ${uid}`,
    status: 'needs-action',
    categories: [],
    reminders: [],
    ...overrides,
  };
}

export function sampleContact(uid: string, overrides: Partial<Omit<ContactItem, 'kind' | 'uid'>> = {}): ContactItem {
  return {
    kind: 'contact',
    uid,
    formattedName: `Contact ${uid}`,
    name: { family: 'Contact', given: uid },
    emails: [{ value: `${uid.toLowerCase()}@example.org`, types: ['work'] }],
    phones: [],
    addresses: [],
    urls: [],
    impps: [],
    categories: [],
    ...overrides,
  };
}

/** `2030-03-01T10:00:00.000Z` → a UTC date value without milliseconds. */
export function utc(iso: string): DateValue {
  return { kind: 'utc', dateTime: `${iso.slice(0, 19)}Z` };
}
