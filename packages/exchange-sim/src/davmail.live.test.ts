/**
 * An unmodified third-party EWS client against the simulator: Debian's DavMail (EWS mode, headless) turns the
 * mailbox into CalDAV/CardDAV, and everything below goes through it. What DavMail needs is what a real Exchange
 * gives it (ConvertId at login, distinguished folders, computed MAPI properties, SortOrder paging, MimeContent in
 * and out), so a failure here is the simulator not answering as Exchange does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type SimulatorHandle } from './index';
import type { CalendarEvent } from './store/types';
import { davMailSkipReason, type RunningDavMail, startDavMail } from './testing/davmail';

const skip = davMailSkipReason();
const OWNER = 'owner@contoso.com';
const PASSWORD = 'Owner-Passw0rd!';
const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-02T09:00:00Z');

let handle: SimulatorHandle;
let dav: RunningDavMail;

const auth = `Basic ${Buffer.from(`${OWNER}:${PASSWORD}`).toString('base64')}`;

async function request(
  method: string,
  path: string,
  init: { body?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(`${dav.caldavUrl}${path}`, {
    method,
    headers: {
      authorization: auth,
      ...(init.body ? { 'content-type': 'text/xml; charset=utf-8' } : {}),
      ...init.headers,
    },
    ...(init.body !== undefined ? { body: init.body } : {}),
    signal: AbortSignal.timeout(120_000),
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

function hrefs(multistatus: string): string[] {
  return [...multistatus.matchAll(/<D:href>([^<]*)<\/D:href>/g)].map((m) => decodeURIComponent(m[1] ?? ''));
}

const store = () => handle.sim.store;
const calendar = () => store().distinguishedFolder(OWNER, 'calendar');
const calendarPath = `/users/${OWNER}/calendar/`;

function explain(res: { status: number; text: string }): string {
  return `HTTP ${res.status}: ${res.text.slice(0, 1500)}\n--- DavMail log (tail) ---\n${dav.log().slice(-4000)}`;
}

if (!skip) {
  beforeAll(async () => {
    handle = createSimulator({ clock: { start: Date.parse('2026-03-01T08:00:00Z') } });
    const urls = await handle.listen(0);
    handle.sim.store.createMailbox({ smtpAddress: OWNER, displayName: 'Owner Example' });
    handle.sim.directory.addMailboxUser({ smtpAddress: OWNER, password: PASSWORD });
    dav = await startDavMail(urls.ews);
  }, 90_000);
  afterAll(async () => {
    await dav?.stop();
    await handle?.close();
  });
}

describe.skipIf(skip)('DavMail (unmodified, EWS mode) against the simulator', () => {
  it('signs in as the mailbox owner (ConvertId at login) and finds the principal and the calendar home', async () => {
    const res = await request('PROPFIND', `/principals/users/${OWNER}/`, {
      headers: { depth: '0' },
      body: '<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><c:calendar-home-set/><d:displayname/></d:prop></d:propfind>',
    });
    expect(res.status, explain(res)).toBe(207);
    expect(res.text).toContain(`/users/${OWNER}/`);
    const requests = handle.sim.requests().map((r) => r.operation);
    expect(requests).toContain('ConvertId');
  });

  it('lists the calendar home: calendar, contacts and tasks as collections of the right kind', async () => {
    const res = await request('PROPFIND', `/users/${OWNER}/`, {
      headers: { depth: '1' },
      body: '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/><d:displayname/></d:prop></d:propfind>',
    });
    expect(res.status, explain(res)).toBe(207);
    expect(res.text).toMatch(/calendar\/<\/D:href>.*?<C:calendar\/>/s);
    expect(res.text).toMatch(/contacts\/<\/D:href>.*?<E:addressbook\/>/s);
  });

  it('GETs an event created in the mailbox, with its time zone defined (VTIMEZONE for every TZID)', async () => {
    const ev = store().createEvent(calendar().id, {
      subject: 'Planning',
      start: T0,
      end: T0 + HOUR,
      timeZone: 'Europe/Berlin',
      location: 'Room 4',
    });
    const list = await request('PROPFIND', calendarPath, {
      headers: { depth: '1' },
      body: '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>',
    });
    expect(list.status, explain(list)).toBe(207);
    const items = hrefs(list.text).filter((h) => h !== calendarPath);
    expect(items).toHaveLength(1);
    const get = await request('GET', encodeURI(items[0] ?? ''));
    expect(get.status, explain(get)).toBe(200);
    expect(get.text).toContain('SUMMARY:Planning');
    expect(get.text).toContain('LOCATION:Room 4');
    for (const tzid of get.text.matchAll(/TZID="?([^:;"]+)"?/g)) {
      expect(get.text, `TZID ${tzid[1]} has no VTIMEZONE`).toMatch(new RegExp(`TZID:"?${tzid[1]}"?\r?\n`));
    }
    store().deleteItem(ev.id);
  });

  const VTZ_BERLIN = [
    'BEGIN:VTIMEZONE',
    'TZID:Europe/Berlin',
    'BEGIN:DAYLIGHT',
    'TZOFFSETFROM:+0100',
    'TZOFFSETTO:+0200',
    'DTSTART:19700329T020000',
    'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
    'END:DAYLIGHT',
    'BEGIN:STANDARD',
    'TZOFFSETFROM:+0200',
    'TZOFFSETTO:+0100',
    'DTSTART:19701025T030000',
    'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
    'END:STANDARD',
    'END:VTIMEZONE',
  ];
  const ics = (...lines: string[]) =>
    ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//exsync//davmail test//EN', ...lines, 'END:VCALENDAR', ''].join(
      '\r\n',
    );
  const eventsWithSubject = (subject: string) =>
    store()
      .listItems(calendar().id)
      .filter((i): i is CalendarEvent => i.kind === 'event' && i.subject === subject);

  it('PUTs a single event (with an ORGANIZER), GETs it back and DELETEs it', async () => {
    const body = ics(
      ...VTZ_BERLIN,
      'BEGIN:VEVENT',
      'UID:davmail-single-1',
      'DTSTAMP:20260301T080000Z',
      'DTSTART;TZID=Europe/Berlin:20260310T100000',
      'DTEND;TZID=Europe/Berlin:20260310T113000',
      'SUMMARY:Put single',
      'LOCATION:Room 7',
      `ORGANIZER;CN=Owner Example:mailto:${OWNER}`,
      'END:VEVENT',
    );
    const put = await request('PUT', `${calendarPath}davmail-single-1.ics`, {
      body,
      headers: { 'content-type': 'text/calendar; charset=utf-8', 'if-none-match': '*' },
    });
    expect(put.status, explain(put)).toBe(201);
    const [ev] = eventsWithSubject('Put single');
    expect(ev, 'the event reached the mailbox').toBeDefined();
    expect(ev?.start).toBe(Date.parse('2026-03-10T09:00:00Z'));
    expect(ev?.end).toBe(Date.parse('2026-03-10T10:30:00Z'));
    expect(ev?.location).toBe('Room 7');
    const get = await request('GET', `${calendarPath}davmail-single-1.ics`);
    expect(get.status, explain(get)).toBe(200);
    expect(get.text).toContain('SUMMARY:Put single');
    expect(get.text).toContain('UID:davmail-single-1');
    const del = await request('DELETE', `${calendarPath}davmail-single-1.ics`);
    expect([200, 204], explain(del)).toContain(del.status);
    expect(eventsWithSubject('Put single')).toHaveLength(0);
  });

  it('PUTs a weekly series with a moved and a deleted occurrence; the mailbox holds exactly that', async () => {
    const body = ics(
      ...VTZ_BERLIN,
      'BEGIN:VEVENT',
      'UID:davmail-series-1',
      'DTSTAMP:20260301T080000Z',
      'DTSTART;TZID=Europe/Berlin:20260302T090000',
      'DTEND;TZID=Europe/Berlin:20260302T093000',
      'RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=5',
      'EXDATE;TZID=Europe/Berlin:20260316T090000',
      'SUMMARY:Standup series',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:davmail-series-1',
      'DTSTAMP:20260301T080000Z',
      'RECURRENCE-ID;TZID=Europe/Berlin:20260309T090000',
      'DTSTART;TZID=Europe/Berlin:20260309T110000',
      'DTEND;TZID=Europe/Berlin:20260309T113000',
      'SUMMARY:Standup series (moved)',
      'END:VEVENT',
    );
    const put = await request('PUT', `${calendarPath}davmail-series-1.ics`, {
      body,
      headers: { 'content-type': 'text/calendar; charset=utf-8', 'if-none-match': '*' },
    });
    expect(put.status, explain(put)).toBe(201);
    const [master] = eventsWithSubject('Standup series');
    expect(master?.recurrence?.pattern.type).toBe('weekly');
    expect([...(master?.deletedOccurrences ?? [])]).toEqual([Date.parse('2026-03-16T08:00:00Z')]);
    const exceptions = [...(master?.exceptions.values() ?? [])];
    expect(exceptions.map((e) => e.originalStart)).toEqual([Date.parse('2026-03-09T08:00:00Z')]);
    expect(exceptions[0]?.overrides.start).toBe(Date.parse('2026-03-09T10:00:00Z'));
    const get = await request('GET', `${calendarPath}davmail-series-1.ics`);
    expect(get.status, explain(get)).toBe(200);
    expect(get.text).toMatch(/RRULE:FREQ=WEEKLY/);
    expect(get.text).toMatch(/EXDATE/);
    expect(get.text).toMatch(/RECURRENCE-ID/);
  });

  it('PUTs an all-day event: a date-only event in the mailbox', async () => {
    const put = await request('PUT', `${calendarPath}davmail-allday-1.ics`, {
      body: ics(
        'BEGIN:VEVENT',
        'UID:davmail-allday-1',
        'DTSTAMP:20260301T080000Z',
        'DTSTART;VALUE=DATE:20260320',
        'DTEND;VALUE=DATE:20260321',
        'SUMMARY:Holiday',
        'END:VEVENT',
      ),
      headers: { 'content-type': 'text/calendar; charset=utf-8', 'if-none-match': '*' },
    });
    expect(put.status, explain(put)).toBe(201);
    const [ev] = eventsWithSubject('Holiday');
    expect(ev?.isAllDay).toBe(true);
    const get = await request('GET', `${calendarPath}davmail-allday-1.ics`);
    expect(get.text).toContain('DTSTART;VALUE=DATE:20260320');
  });

  it('answers calendar-query and calendar-multiget with the events of the mailbox', async () => {
    const query = await request('REPORT', calendarPath, {
      headers: { depth: '1' },
      body: '<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/></d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"/></c:comp-filter></c:filter></c:calendar-query>',
    });
    expect(query.status, explain(query)).toBe(207);
    const found = hrefs(query.text);
    const events = store()
      .listItems(calendar().id)
      .filter((i) => i.kind === 'event');
    expect(found).toHaveLength(events.length);
    const multiget = await request('REPORT', calendarPath, {
      headers: { depth: '1' },
      body: `<?xml version="1.0"?><c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/></d:prop>${found.map((h) => `<d:href>${h}</d:href>`).join('')}</c:calendar-multiget>`,
    });
    expect(multiget.status, explain(multiget)).toBe(207);
    expect(multiget.text).toContain('Standup series');
    expect(multiget.text).toContain('Holiday');
  });

  it('DELETEs the series and the all-day event: nothing of them is left in the mailbox', async () => {
    for (const name of ['davmail-series-1.ics', 'davmail-allday-1.ics']) {
      const del = await request('DELETE', `${calendarPath}${name}`);
      expect([200, 204], explain(del)).toContain(del.status);
    }
    expect(eventsWithSubject('Standup series')).toHaveLength(0);
    expect(eventsWithSubject('Holiday')).toHaveLength(0);
  });

  it('PUTs and GETs a contact through CardDAV', async () => {
    const vcard = [
      'BEGIN:VCARD',
      'VERSION:3.0',
      'UID:davmail-contact-1',
      'FN:Dora Diaz',
      'N:Diaz;Dora;;;',
      'EMAIL;TYPE=INTERNET:dora@example.org',
      'TEL;TYPE=CELL:+49 170 1111111',
      'ORG:Example AG',
      'END:VCARD',
      '',
    ].join('\r\n');
    const path = `/users/${OWNER}/contacts/davmail-contact-1.vcf`;
    const put = await request('PUT', path, {
      body: vcard,
      headers: { 'content-type': 'text/vcard; charset=utf-8', 'if-none-match': '*' },
    });
    expect(put.status, explain(put)).toBe(201);
    const contacts = store()
      .listItems(store().distinguishedFolder(OWNER, 'contacts').id)
      .filter((i) => i.kind === 'contact' && i.surname === 'Diaz');
    expect(contacts).toHaveLength(1);
    const get = await request('GET', path);
    expect(get.status, explain(get)).toBe(200);
    expect(get.text).toContain('dora@example.org');
  });

  it('PUTs and GETs a task', async () => {
    const path = `/users/${OWNER}/tasks/davmail-task-1.ics`;
    const put = await request('PUT', path, {
      body: ics(
        'BEGIN:VTODO',
        'UID:davmail-task-1',
        'DTSTAMP:20260301T080000Z',
        'SUMMARY:Write report',
        'DUE;VALUE=DATE:20260325',
        'STATUS:NEEDS-ACTION',
        'END:VTODO',
      ),
      headers: { 'content-type': 'text/calendar; charset=utf-8', 'if-none-match': '*' },
    });
    expect(put.status, explain(put)).toBe(201);
    const tasks = store()
      .listItems(store().distinguishedFolder(OWNER, 'tasks').id)
      .filter((i) => i.kind === 'task' && i.title === 'Write report');
    expect(tasks).toHaveLength(1);
    // DavMail lists the task folder's items inside the calendar collection (VTODO next to VEVENT).
    const list = await request('PROPFIND', calendarPath, {
      headers: { depth: '1' },
      body: '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>',
    });
    expect(list.status, explain(list)).toBe(207);
    // DavMail names the resource after the item id (URL-safe base64), as it does for events.
    const urlSafeId = (tasks[0]?.id ?? '').replace(/\+/g, '-').replace(/\//g, '_');
    const href = hrefs(list.text).find((h) => h.includes(urlSafeId));
    expect(href, list.text).toBeDefined();
    const get = await request('GET', encodeURI(href ?? ''));
    expect(get.status, explain(get)).toBe(200);
    expect(get.text).toContain('BEGIN:VTODO');
    expect(get.text).toContain('SUMMARY:Write report');
    expect(get.text).toMatch(/DUE;VALUE=DATE:20260325/);
  });

  it('lists exactly 1,000 events of a 1,000-event calendar (paged by SortOrder, not half of them)', async () => {
    const folder = calendar();
    // DavMail lists the task folder inside the calendar too: empty both.
    for (const f of [folder, store().distinguishedFolder(OWNER, 'tasks')]) {
      for (const it of store().listItems(f.id)) store().deleteItem(it.id);
    }
    for (let i = 0; i < 1000; i++) {
      store().createEvent(folder.id, {
        subject: `Bulk ${i}`,
        start: T0 + i * HOUR,
        end: T0 + i * HOUR + 30 * 60_000,
        timeZone: 'Europe/Berlin',
      });
    }
    const list = await request('PROPFIND', calendarPath, {
      headers: { depth: '1' },
      body: '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>',
    });
    expect(list.status, explain(list)).toBe(207);
    const items = hrefs(list.text).filter((h) => h !== calendarPath);
    expect(new Set(items).size).toBe(1000);
  }, 120_000);
});
