import { writeFileSync } from 'node:fs';
import type { CollectionKind, ItemKind } from '@exsync/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpus } from '../fidelity/corpus';
import { canonicalJson } from './canonical-hash';
import { EwsCollectionStore } from './ews-collection-store';
import { EwsSession } from './ews-session';
import { getItemRequest } from './get-item';
import { librarySnapshot } from './library-read';
import { soapEnvelope } from './soap-envelope';
import { ALICE, PASSWORD, type SimHarness, startSimulator } from './test-simulator';

/**
 * The read path's guarantee (issue 14): for every item of the fidelity corpora, written by exsync into the
 * simulator, and for items made "in Outlook" with what exsync never writes (attendee answers, other organizers,
 * every recurrence pattern, regeneration, all contact slots, entities and padding in text), our own GetItem reader
 * gives byte for byte the snapshot ews-javascript-api's object model gave. The snapshot is `raw`, hashed and mapped:
 * any difference would rewrite items on the Nextcloud side after an upgrade.
 */
let h: SimHarness;
let n = 0;
const collectionOf: Record<ItemKind, CollectionKind> = {
  event: 'calendar',
  task: 'tasks',
  contact: 'addressbook',
  group: 'addressbook',
};
const simKind = (kind: CollectionKind) =>
  kind === 'calendar' ? 'calendar' : kind === 'addressbook' ? 'contacts' : 'tasks';

interface Case {
  readonly name: string;
  readonly kind: CollectionKind;
  readonly href: string;
  readonly store: EwsCollectionStore;
}
const cases: Case[] = [];
/** What a recording run (EWS_READ_RECORD=file) keeps: the simulator's answers and the library's snapshots. */
const recorded: { name: string; kind: CollectionKind; answer: string; occurrences?: string; snapshot: string }[] = [];

function folder(kind: CollectionKind): { id: string; store: EwsCollectionStore } {
  const f = h.sim.store.createFolder(ALICE, { kind: simKind(kind), displayName: `diff ${kind} ${++n}` });
  return { id: f.id, store: new EwsCollectionStore({ ...h.config({ id: f.id, kind }), timeoutMs: 30_000 }) };
}

beforeAll(async () => {
  h = await startSimulator();
  for (const object of corpus) {
    const kind = collectionOf[object.item.kind];
    const { store } = folder(kind);
    if (!store.caps.kinds.includes(object.item.kind)) continue;
    try {
      const created = await store.create(object.item, { marker: `m-${object.name}` });
      cases.push({ name: object.name, kind, href: created.ref.href, store });
    } catch {
      // Exchange refuses what it cannot hold (the fidelity matrix checks those refusals).
    }
  }
  for (const made of outlookItems()) cases.push(made);
}, 300_000);
afterAll(async () => {
  if (process.env.EWS_READ_RECORD) writeFileSync(process.env.EWS_READ_RECORD, JSON.stringify(recorded));
  await h?.close();
});

/** Items as Outlook makes them, with what exsync's own writes never set. */
function outlookItems(): Case[] {
  const out: Case[] = [];
  const cal = folder('calendar');
  const at = Date.parse('2030-03-04T09:00:00Z');
  const hour = 3_600_000;
  const bob = { address: 'bob@contoso.com', name: 'Bob Example' };
  const events = [
    {
      subject: '  Padded &amp; <escaped> "quoted" ünïcödé  ',
      body: { contentType: 'text' as const, content: '\n  line one\r\nline two  \n' },
      start: at,
      end: at + hour,
      timeZone: 'Europe/Berlin',
      location: 'Room <1> & 2',
      categories: ['Blue', 'Red category'],
      attendees: [
        { emailAddress: bob, type: 'required' as const, status: { response: 'accepted' as const } },
        {
          emailAddress: { address: 'carol@example.org' },
          type: 'optional' as const,
          status: { response: 'declined' as const },
        },
        {
          emailAddress: { address: 'room1@contoso.com', name: 'Room 1' },
          type: 'resource' as const,
          status: { response: 'tentativelyAccepted' as const },
        },
        {
          emailAddress: { address: 'dave@example.org' },
          type: 'required' as const,
          status: { response: 'none' as const },
        },
      ],
      organizer: bob,
      isOrganizer: false,
      showAs: 'tentative' as const,
      sensitivity: 'confidential' as const,
      importance: 'high' as const,
      isReminderOn: true,
      reminderMinutesBeforeStart: 45,
    },
    {
      subject: 'All day',
      start: Date.parse('2030-03-05T00:00:00Z'),
      end: Date.parse('2030-03-06T00:00:00Z'),
      isAllDay: true,
      timeZone: 'UTC',
      isReminderOn: false,
    },
    {
      subject: '',
      start: at + 2 * hour,
      end: at + 3 * hour,
      timeZone: 'America/Tijuana',
      showAs: 'workingElsewhere' as const,
    },
    {
      subject: 'Relative monthly',
      start: at,
      end: at + hour,
      timeZone: 'America/New_York',
      recurrence: {
        pattern: {
          type: 'relativeMonthly' as const,
          interval: 2,
          daysOfWeek: ['monday' as const],
          index: 'first' as const,
        },
        range: { type: 'endDate' as const, startDate: '2030-03-04', endDate: '2030-12-31' },
      },
    },
    {
      subject: 'Yearly',
      start: at,
      end: at + hour,
      timeZone: 'Asia/Tokyo',
      recurrence: {
        pattern: { type: 'absoluteYearly' as const, interval: 1, dayOfMonth: 4, month: 3 },
        range: { type: 'noEnd' as const, startDate: '2030-03-04' },
      },
    },
    {
      subject: 'Relative yearly',
      start: at,
      end: at + hour,
      timeZone: 'UTC',
      recurrence: {
        pattern: {
          type: 'relativeYearly' as const,
          interval: 1,
          daysOfWeek: ['monday' as const],
          index: 'last' as const,
          month: 3,
        },
        range: { type: 'numbered' as const, startDate: '2030-03-04', numberOfOccurrences: 5 },
      },
    },
    {
      subject: 'Monthly',
      start: at,
      end: at + hour,
      timeZone: 'UTC',
      recurrence: {
        pattern: { type: 'absoluteMonthly' as const, interval: 1, dayOfMonth: 4 },
        range: { type: 'numbered' as const, startDate: '2030-03-04', numberOfOccurrences: 3 },
      },
    },
    {
      subject: 'Weekly several days',
      start: at,
      end: at + hour,
      timeZone: 'Europe/London',
      recurrence: {
        pattern: {
          type: 'weekly' as const,
          interval: 3,
          daysOfWeek: ['monday' as const, 'wednesday' as const, 'friday' as const],
          firstDayOfWeek: 'sunday' as const,
        },
        range: { type: 'numbered' as const, startDate: '2030-03-04', numberOfOccurrences: 9 },
      },
    },
  ];
  for (const e of events) {
    const made = h.sim.store.createEvent(cal.id, e);
    out.push({
      name: `outlook event ${e.subject.trim() || '(no subject)'}`,
      kind: 'calendar',
      href: made.id,
      store: cal.store,
    });
  }
  const contacts = folder('addressbook');
  const c = h.sim.store.createContact(contacts.id, {
    displayName: ' Carol  Jones ',
    givenName: 'Carol',
    middleName: 'Ann',
    surname: 'Jones',
    generation: 'Jr.',
    nickName: 'CJ',
    emailAddresses: [
      { address: 'carol@example.org', name: 'Carol Jones' },
      { address: 'cj@example.com' },
      { address: 'c.jones@example.net' },
    ],
    businessPhones: ['+49 30 1', '+49 30 2'],
    homePhones: ['+49 30 3'],
    mobilePhone: '+49 170 0000000',
    otherPhones: ['+49 30 4'],
    ewsOnlyPhones: { BusinessFax: '+49 30 5', Pager: '+49 30 6' },
    businessAddress: { street: 'Main St 1', city: 'Berlin', postalCode: '10115', countryOrRegion: 'Germany' },
    homeAddress: { street: 'Home 2', city: 'Potsdam', state: 'BB' },
    companyName: 'Example & Co',
    department: 'R&D',
    jobTitle: 'CTO',
    birthday: '1604-07-14',
    personalNotes: 'Notes with <angle> brackets',
    imAddresses: ['xmpp:carol@example.org'],
    businessHomePage: 'https://example.org/carol',
    categories: ['Friends'],
  });
  out.push({ name: 'outlook contact', kind: 'addressbook', href: c.id, store: contacts.store });
  const dl = h.sim.store.createDistributionList(contacts.id, {
    displayName: 'Friends & family',
    members: [{ address: 'carol@example.org', name: 'Carol' }, { address: 'bob@contoso.com' }],
    body: { contentType: 'text', content: 'The list' },
    categories: ['Family'],
  });
  out.push({ name: 'outlook group', kind: 'addressbook', href: dl.id, store: contacts.store });
  const tasks = folder('tasks');
  const task = h.sim.store.createTask(tasks.id, {
    title: 'File expenses',
    body: { contentType: 'text', content: 'Receipts in the drawer' },
    dueDateTime: Date.parse('2030-03-08T00:00:00Z'),
    startDateTime: Date.parse('2030-03-04T00:00:00Z'),
    status: 'inProgress',
    percentComplete: 40,
    importance: 'low',
    sensitivity: 'private',
    isReminderOn: true,
    reminderDateTime: Date.parse('2030-03-07T09:00:00Z'),
    categories: ['Work'],
    recurrence: {
      pattern: { type: 'weekly', interval: 2, daysOfWeek: ['friday'] },
      range: { type: 'noEnd', startDate: '2030-03-08' },
    },
  });
  out.push({ name: 'outlook task', kind: 'tasks', href: task.id, store: tasks.store });
  const done = h.sim.store.createTask(tasks.id, {
    title: 'Done',
    status: 'completed',
    percentComplete: 100,
    completedDateTime: Date.parse('2030-03-02T10:30:00Z'),
  });
  out.push({ name: 'outlook completed task', kind: 'tasks', href: done.id, store: tasks.store });
  return out;
}

async function answerOf(kind: CollectionKind | 'occurrence', ids: readonly string[]): Promise<string> {
  const res = await fetch(h.url, {
    method: 'POST',
    headers: {
      'content-type': 'text/xml; charset=utf-8',
      authorization: `Basic ${Buffer.from(`CONTOSO\\svc-sync:${PASSWORD}`).toString('base64')}`,
    },
    body: soapEnvelope(ALICE, getItemRequest(ids, kind)),
  });
  return res.text();
}

describe('our GetItem reader gives the snapshots ews-javascript-api gave', () => {
  it('covers the corpora', () => {
    const kinds = new Set(cases.map((c) => c.kind));
    expect(kinds).toEqual(new Set(['calendar', 'addressbook', 'tasks']));
    expect(cases.length).toBeGreaterThan(100);
  });

  it.each(Array.from({ length: 200 }, (_, i) => i))('item %i', async (i) => {
    const c = cases[i];
    if (!c) return;
    const session = new EwsSession(h.config({ id: 'x', kind: c.kind }));
    const library = await librarySnapshot(session.service, c.kind, c.href);
    expect(library, `${c.name}: the library read it`).toBeDefined();
    let ours: string | undefined;
    for await (const r of c.store.getMany([c.href])) if (r.found) ours = r.fetched.raw;
    expect(ours, c.name).toBe(canonicalJson(library));
    if (process.env.EWS_READ_RECORD) {
      const snapshot = JSON.parse(ours ?? '{}') as { modifiedOccurrences?: { itemId: string }[] };
      const occurrences = snapshot.modifiedOccurrences?.map((o) => o.itemId) ?? [];
      recorded.push({
        name: c.name,
        kind: c.kind,
        answer: await answerOf(c.kind, [c.href]),
        ...(occurrences.length ? { occurrences: await answerOf('occurrence', occurrences) } : {}),
        snapshot: canonicalJson(library),
      });
    }
  });
});
