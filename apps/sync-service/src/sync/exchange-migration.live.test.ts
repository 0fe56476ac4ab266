import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createSimulator, type SimulatorHandle } from '@exsync/exchange-sim';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveSkipReason, type RunningDavServer, startRadicale } from '../../../../packages/dav/src/testing/dav-servers';
import { createSyncRuntime, type SyncRuntime } from '../jobs/sync-runtime';
import { bearer, createTenant, startTestApp, type TestApp } from '../testing/harness';

/**
 * The move every Exchange Online customer must make: the tenant's connection goes from EWS to Graph (and back, as
 * a roll-back would). Both faces of the simulator serve one mailbox store, so the same items are seen through
 * either protocol under different ids. After the switch one run must re-pair every collection and re-link every
 * item — no duplicate, no loss, every user active — and edits keep flowing both ways.
 */
const skip = liveSkipReason('radicale');
const ALICE = 'alice@contoso.com';
const APP_PASSWORD = 'alice-app-password';
const SVC_PASSWORD = 'Passw0rd!';
const CLIENT_ID = 'b0b1c2d3-0000-4000-8000-00000000e5c2';
const CLIENT_SECRET = 'graph-client-secret';
/** Items of each kind; half start in Exchange, half in Nextcloud. */
const N = 100;
const HALF = N / 2;
const SERIES = 10;
const GROUPS = 5;
const DAY = 86_400_000;

describe.skipIf(skip)('changing the Exchange connection from EWS to Graph and back re-links every item', () => {
  let radicale: RunningDavServer;
  let exchange: SimulatorHandle;
  let t: TestApp;
  let sync: SyncRuntime;
  let key: string;
  let ews: Record<string, string>;
  let graph: Record<string, string>;
  const folder = (kind: 'calendar' | 'contacts' | 'tasks') => exchange.sim.store.distinguishedFolder(ALICE, kind).id;
  const auth = { authorization: `Basic ${Buffer.from(`alice:${APP_PASSWORD}`).toString('base64')}` };

  beforeAll(async () => {
    radicale = await startRadicale('alice', APP_PASSWORD);
    exchange = createSimulator({ seed: 'exsync-migration' });
    const store = exchange.sim.store;
    store.createMailbox({ smtpAddress: ALICE, displayName: 'Alice Example' });
    exchange.sim.directory.addServiceAccount({
      username: 'svc-sync',
      password: SVC_PASSWORD,
      domain: 'CONTOSO',
      impersonation: [ALICE],
    });
    exchange.sim.directory.addApp({ clientId: CLIENT_ID, secrets: [CLIENT_SECRET] });
    const urls = await exchange.listen(0);
    const base = Date.UTC(2026, 0, 1) + Math.floor((Date.now() - Date.UTC(2026, 0, 1)) / DAY) * DAY + 5 * DAY;
    for (let i = 0; i < HALF; i++) {
      const start = base + (i % 40) * DAY + 9 * 3_600_000;
      if (i < SERIES) {
        const ev = store.createEvent(folder('calendar'), {
          subject: `Exchange series ${i}`,
          start,
          end: start + 1_800_000,
          timeZone: 'UTC',
          recurrence: {
            pattern: { type: 'daily', interval: 1 },
            range: { type: 'numbered', startDate: new Date(start).toISOString().slice(0, 10), numberOfOccurrences: 5 },
          },
        });
        // One moved occurrence and one cancelled one per series.
        const [, second, third] = store.instancesOf(ev.id, start, start + 5 * DAY);
        store.updateOccurrence(second?.id ?? '', { subject: `Exchange series ${i} (moved)` });
        store.deleteOccurrence(third?.id ?? '');
      } else {
        store.createEvent(folder('calendar'), { subject: `Exchange event ${i}`, start, end: start + 3_600_000 });
      }
      store.createContact(folder('contacts'), {
        displayName: `Exchange Contact ${i}`,
        givenName: 'Exchange',
        surname: `Contact ${i}`,
        emailAddresses: [{ name: `Exchange Contact ${i}`, address: `ex${i}@contoso.com` }],
      });
      store.createTask(folder('tasks'), { title: `Exchange task ${i}`, dueDateTime: base + (i % 40) * DAY });
    }
    for (let i = 0; i < GROUPS; i++) {
      store.createDistributionList(folder('contacts'), {
        displayName: `Exchange group ${i}`,
        members: [{ name: `Exchange Contact ${i}`, address: `ex${i}@contoso.com` }],
      });
    }

    t = await startTestApp();
    const tenant = await createTenant(t, 'Contoso');
    key = tenant.key;
    await t.app.inject({
      method: 'PATCH',
      url: `/v1/tenants/${tenant.id}`,
      headers: bearer(t.adminKey),
      payload: { nextcloudUrl: radicale.baseUrl },
    });
    ews = { kind: 'ews', url: urls.ews, authKind: 'basic', username: 'CONTOSO\\svc-sync', password: SVC_PASSWORD };
    graph = {
      kind: 'graph',
      url: urls.graph,
      // Tokens from the simulator's Entra endpoint, as the shipped service gets them.
      authority: urls.base,
      entraTenantId: exchange.sim.tenantId,
      clientId: CLIENT_ID,
      authKind: 'client_secret',
      clientSecret: CLIENT_SECRET,
    };
    await connect(ews);
    const user = await t.app.inject({
      method: 'PUT',
      url: '/v1/users/alice',
      headers: bearer(key),
      payload: { loginName: 'alice', appPassword: APP_PASSWORD, mailbox: ALICE },
    });
    expect(user.statusCode).toBe(201);
    sync = createSyncRuntime({
      db: t.db,
      vault: t.vault,
      logger: pino({ level: 'silent' }),
      davRoot: (u) => u,
    });
    await sync.prepare();

    // First sync over EWS creates the Nextcloud collections; then Nextcloud gets its own half; a second run
    // carries that half to Exchange.
    await runSync();
    for (let i = 0; i < HALF; i++) {
      const start = new Date(base + (i % 40) * DAY + 14 * 3_600_000);
      await putDav(
        'exchange-calendar',
        `nc-ev-${i}.ics`,
        ical('VEVENT', `nc-ev-${i}`, [
          `DTSTART:${stamp(start)}`,
          `DTEND:${stamp(new Date(start.getTime() + 3_600_000))}`,
          `SUMMARY:Nextcloud event ${i}`,
        ]),
      );
      await putDav(
        'exchange-contacts',
        `nc-c-${i}.vcf`,
        `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:nc-c-${i}\r\nFN:Nextcloud Contact ${i}\r\nN:Contact ${i};Nextcloud;;;\r\nEMAIL:nc${i}@example.org\r\nEND:VCARD\r\n`,
      );
      await putDav(
        'exchange-tasks',
        `nc-t-${i}.ics`,
        ical('VTODO', `nc-t-${i}`, [`SUMMARY:Nextcloud task ${i}`, `DUE;VALUE=DATE:${stamp(start).slice(0, 8)}`]),
      );
    }
    await runSync();
  }, 600_000);

  afterAll(async () => {
    await sync?.stop(1000);
    await t?.close();
    await exchange?.close();
    await radicale?.stop();
  });

  async function connect(body: Record<string, string>): Promise<void> {
    const r = await t.app.inject({
      method: 'PUT',
      url: '/v1/exchange-connection',
      headers: bearer(key),
      payload: body,
    });
    expect(r.statusCode, r.body).toBeLessThan(300);
  }

  async function runSync(): Promise<void> {
    const r = await t.app.inject({ method: 'POST', url: '/v1/users/alice/sync', headers: bearer(key), payload: {} });
    expect(r.statusCode, r.body).toBe(200);
    while (await sync.worker.runOnce()) {}
  }

  async function putDav(collection: string, name: string, body: string): Promise<void> {
    const type = name.endsWith('.vcf') ? 'text/vcard' : 'text/calendar';
    const r = await fetch(`${radicale.baseUrl}alice/${collection}/${name}`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': `${type}; charset=utf-8`, 'if-none-match': '*' },
      body,
    });
    expect(r.status, `${collection}/${name}`).toBe(201);
  }

  async function davTexts(collection: string): Promise<string[]> {
    const dir = join(radicale.dataDir, 'collections', 'collection-root', 'alice', collection);
    const names = (await readdir(dir)).filter((n) => n.endsWith('.ics') || n.endsWith('.vcf'));
    return Promise.all(names.map((n) => readFile(join(dir, n), 'utf8')));
  }

  /** The one line of each item that names it (SUMMARY of a master or single event, FN of a card). */
  async function davNames(collection: string): Promise<string[]> {
    const out: string[] = [];
    for (const text of await davTexts(collection)) {
      const component = /BEGIN:(VEVENT|VTODO|VCARD)[\s\S]*?END:\1/.exec(text)?.[0] ?? '';
      const name = /^(?:SUMMARY|FN):(.*)$/m.exec(component.replace(/\r\n[ \t]/g, ''))?.[1]?.trim();
      out.push(name ?? '?');
    }
    return out.sort();
  }

  function exchangeNames(kind: 'calendar' | 'contacts' | 'tasks'): string[] {
    return exchange.sim.store
      .listItems(folder(kind))
      .map((i) => (i.kind === 'event' ? i.subject : i.kind === 'task' ? i.title : i.displayName))
      .sort();
  }

  const expected = {
    events: [
      ...Array.from({ length: HALF }, (_, i) => (i < SERIES ? `Exchange series ${i}` : `Exchange event ${i}`)),
      ...Array.from({ length: HALF }, (_, i) => `Nextcloud event ${i}`),
    ].sort(),
    contacts: [
      ...Array.from({ length: HALF }, (_, i) => `Exchange Contact ${i}`),
      ...Array.from({ length: HALF }, (_, i) => `Nextcloud Contact ${i}`),
    ],
    groups: Array.from({ length: GROUPS }, (_, i) => `Exchange group ${i}`),
    tasks: [
      ...Array.from({ length: HALF }, (_, i) => `Exchange task ${i}`),
      ...Array.from({ length: HALF }, (_, i) => `Nextcloud task ${i}`),
    ].sort(),
  };

  /** Every item once on each side: nothing duplicated, nothing lost. */
  async function expectEverythingOnceOnBothSides(): Promise<void> {
    const contactsAndGroups = [...expected.contacts, ...expected.groups].sort();
    expect(exchangeNames('calendar')).toEqual(expected.events);
    expect(await davNames('exchange-calendar')).toEqual(expected.events);
    expect(exchangeNames('contacts')).toEqual(contactsAndGroups);
    expect(await davNames('exchange-contacts')).toEqual(contactsAndGroups);
    expect(exchangeNames('tasks')).toEqual(expected.tasks);
    expect(await davNames('exchange-tasks')).toEqual(expected.tasks);
    // The series keep their exception and their cancelled occurrence on both sides.
    const series = (await davTexts('exchange-calendar')).filter((x) => x.includes('Exchange series'));
    expect(series).toHaveLength(SERIES);
    for (const text of series) {
      expect(text).toMatch(/RECURRENCE-ID/);
      expect(text).toMatch(/EXDATE/);
    }
  }

  async function expectActive(): Promise<void> {
    const user = await t.app.inject({ method: 'GET', url: '/v1/users/alice', headers: bearer(key) });
    expect(user.json(), JSON.stringify(user.json().lastRun)).toMatchObject({ state: 'active', stateReason: null });
  }

  it('over EWS, every item of every kind is on both sides once', async () => {
    await expectEverythingOnceOnBothSides();
    await expectActive();
  });

  it('after switching the connection to Graph, one run re-links every item: no duplicate, no loss, user active', async () => {
    await connect(graph);
    await runSync();
    await expectActive();
    await expectEverythingOnceOnBothSides();
    const runs = await t.app.inject({ method: 'GET', url: '/v1/users/alice/runs?limit=3', headers: bearer(key) });
    for (const run of runs.json().items) {
      expect(run.outcome, JSON.stringify(run)).toBe('success');
      expect(run.counts.exchange_to_nextcloud?.create ?? 0).toBe(0);
      expect(run.counts.nextcloud_to_exchange?.create ?? 0).toBe(0);
    }
  }, 300_000);

  it('after the switch, edits flow both ways through the Graph ids', async () => {
    const contact = exchange.sim.store
      .listItems(folder('contacts'))
      .find((i) => i.kind === 'contact' && i.displayName === 'Exchange Contact 7');
    exchange.sim.store.updateItem(contact?.id ?? '', { displayName: 'Exchange Contact 7 (renamed in Outlook)' });
    const task = exchange.sim.store
      .listItems(folder('tasks'))
      .find((i) => i.kind === 'task' && i.title === 'Nextcloud task 3');
    exchange.sim.store.updateItem(task?.id ?? '', { title: 'Nextcloud task 3 (done in Outlook)' });
    // And a Nextcloud edit of an item made in Outlook reaches it through its Graph id.
    const cardName = (
      await readdir(join(radicale.dataDir, 'collections', 'collection-root', 'alice', 'exchange-contacts'))
    ).filter((n) => n.endsWith('.vcf'));
    let edited = '';
    for (const name of cardName) {
      const url = `${radicale.baseUrl}alice/exchange-contacts/${name}`;
      const got = await fetch(url, { headers: auth });
      const text = await got.text();
      if (!text.includes('FN:Exchange Contact 9\r\n')) continue;
      const put = await fetch(url, {
        method: 'PUT',
        headers: { ...auth, 'content-type': 'text/vcard; charset=utf-8', 'if-match': got.headers.get('etag') ?? '' },
        body: text.replace('FN:Exchange Contact 9\r\n', 'FN:Exchange Contact 9 (edited in Nextcloud)\r\n'),
      });
      expect(put.status).toBeLessThan(300);
      edited = name;
    }
    expect(edited).not.toBe('');
    await runSync();
    await expectActive();
    expect(exchangeNames('contacts')).toContain('Exchange Contact 9 (edited in Nextcloud)');
    expect(exchangeNames('contacts')).toHaveLength(N + GROUPS);
    expect(await davNames('exchange-contacts')).toContain('Exchange Contact 7 (renamed in Outlook)');
    expect(await davNames('exchange-tasks')).toContain('Nextcloud task 3 (done in Outlook)');
    expect(await davNames('exchange-contacts')).toHaveLength(N + GROUPS);
    expect(await davNames('exchange-tasks')).toHaveLength(N);
    // Put the names back so the counts below still hold.
    exchange.sim.store.updateItem(contact?.id ?? '', { displayName: 'Exchange Contact 7' });
    exchange.sim.store.updateItem(task?.id ?? '', { title: 'Nextcloud task 3' });
    const nine = exchange.sim.store
      .listItems(folder('contacts'))
      .find((i) => i.kind === 'contact' && i.displayName === 'Exchange Contact 9 (edited in Nextcloud)');
    exchange.sim.store.updateItem(nine?.id ?? '', { displayName: 'Exchange Contact 9' });
    await runSync();
    await expectEverythingOnceOnBothSides();
  }, 300_000);

  it('switching back to EWS re-links again: no duplicate, no loss, user active', async () => {
    await connect(ews);
    await runSync();
    await expectActive();
    await expectEverythingOnceOnBothSides();
  }, 300_000);

  it('a resync after the switches matches everything again without a duplicate', async () => {
    const r = await t.app.inject({ method: 'POST', url: '/v1/users/alice/resync', headers: bearer(key), payload: {} });
    expect(r.statusCode, r.body).toBe(200);
    while (await sync.worker.runOnce()) {}
    await expectActive();
    await expectEverythingOnceOnBothSides();
  }, 300_000);

  it('deleting the user and enrolling them again over Graph matches every item again: no duplicate', async () => {
    await connect(graph);
    const removed = await t.app.inject({ method: 'DELETE', url: '/v1/users/alice', headers: bearer(key) });
    expect(removed.statusCode, removed.body).toBeLessThan(300);
    const enrolled = await t.app.inject({
      method: 'PUT',
      url: '/v1/users/alice',
      headers: bearer(key),
      payload: { loginName: 'alice', appPassword: APP_PASSWORD, mailbox: ALICE },
    });
    expect(enrolled.statusCode).toBe(201);
    await runSync();
    await expectActive();
    await expectEverythingOnceOnBothSides();
  }, 300_000);
});

function stamp(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function ical(component: 'VEVENT' | 'VTODO', uid: string, lines: readonly string[]): string {
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//exsync//migration test//EN',
    `BEGIN:${component}`,
    `UID:${uid}`,
    `DTSTAMP:${stamp(new Date())}`,
    ...lines,
    `END:${component}`,
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}
