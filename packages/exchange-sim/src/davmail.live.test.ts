/**
 * An unmodified third-party EWS client against the simulator: Debian's DavMail (EWS mode, headless) turns the
 * mailbox into CalDAV/CardDAV, and everything below goes through it. What DavMail needs is what a real Exchange
 * gives it (ConvertId at login, distinguished folders, computed MAPI properties, SortOrder paging, MimeContent in
 * and out), so a failure here is the simulator not answering as Exchange does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type SimulatorHandle } from './index';
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
});
