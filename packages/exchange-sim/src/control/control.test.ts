import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type SimulatorHandle } from '../index';

let handle: SimulatorHandle;
const inject = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) => {
  const r = await handle.app.inject({
    method,
    url: `/_control${url}`,
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });
  return { status: r.statusCode, body: r.body ? JSON.parse(r.body) : undefined };
};

beforeAll(() => {
  handle = createSimulator({ clock: { start: Date.parse('2026-01-01T00:00:00Z'), frozen: true } });
});
afterAll(() => handle.close());

describe('control API', () => {
  it('creates a mailbox user who signs in to EWS with the own password and reaches the own mailbox', async () => {
    const made = await inject('POST', '/users', { smtpAddress: 'erin@contoso.com', password: 'erin-pass' });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ mailbox: { smtpAddress: 'erin@contoso.com' }, login: { username: 'erin' } });
    expect((await inject('POST', '/users', { smtpAddress: 'erin@contoso.com', password: 'x' })).status).toBe(400);
    expect((await inject('POST', '/users', { smtpAddress: 'frank@contoso.com' })).status).toBe(400);
    const soap = (auth: string) =>
      handle.app.inject({
        method: 'POST',
        url: '/EWS/Exchange.asmx',
        headers: { 'content-type': 'text/xml', authorization: `Basic ${Buffer.from(auth).toString('base64')}` },
        payload:
          '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><s:Body><m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="calendar"/></m:FolderIds></m:GetFolder></s:Body></s:Envelope>',
      });
    for (const login of ['erin@contoso.com', 'CONTOSO\\erin']) {
      const r = await soap(`${login}:erin-pass`);
      expect(r.statusCode, login).toBe(200);
      const id = /<t:FolderId Id="([^"]+)"/.exec(r.body)?.[1] ?? '';
      expect(handle.sim.store.getFolder(id).mailboxId).toBe(made.body.mailbox.id);
    }
    expect((await soap('erin@contoso.com:wrong')).statusCode).toBe(401);
  });

  it('creates mailboxes and seeds events with ISO times and Windows zones', async () => {
    const mbx = await inject('POST', '/mailboxes', { smtpAddress: 'carol@contoso.com', displayName: 'Carol' });
    expect(mbx.status).toBe(201);
    expect((await inject('POST', '/mailboxes', { smtpAddress: 'CAROL@contoso.com' })).status).toBe(409);
    const ev = await inject('POST', '/mailboxes/carol@contoso.com/events', {
      subject: 'Standup',
      start: '2026-03-27T08:00:00Z',
      end: '2026-03-27T08:15:00Z',
      timeZone: 'W. Europe Standard Time',
      attendees: [{ address: 'dave@contoso.com' }],
      recurrence: {
        pattern: { type: 'daily', interval: 1 },
        range: { type: 'numbered', startDate: '2026-03-27', numberOfOccurrences: 3 },
      },
    });
    expect(ev.status).toBe(201);
    expect(ev.body).toMatchObject({
      timeZone: 'Europe/Berlin',
      attendees: [{ emailAddress: { address: 'dave@contoso.com' } }],
    });
    const view = await inject(
      'GET',
      '/mailboxes/carol@contoso.com/calendar-view?start=2026-03-01T00:00:00Z&end=2026-04-01T00:00:00Z',
    );
    // 09:00 Berlin on both sides of the DST change.
    expect(view.body.map((i: { start: string }) => i.start)).toEqual([
      '2026-03-27T08:00:00.000Z',
      '2026-03-28T08:00:00.000Z',
      '2026-03-29T07:00:00.000Z',
    ]);
    expect((await inject('POST', '/mailboxes/carol@contoso.com/events', { subject: 'no times' })).status).toBe(400);
  });

  it('changes items as Outlook would: new ChangeKey, occurrence edits and deletions, moves', async () => {
    const ev = await inject('POST', '/mailboxes/carol@contoso.com/events', {
      subject: 'Edit me',
      start: '2026-02-01T10:00:00Z',
      end: '2026-02-01T11:00:00Z',
    });
    const patched = await inject('PATCH', `/items/${encodeURIComponent(ev.body.id)}`, {
      subject: 'Edited',
      ifChangeKey: ev.body.changeKey,
    });
    expect(patched.body.subject).toBe('Edited');
    expect(patched.body.changeKey).not.toBe(ev.body.changeKey);
    expect(
      (
        await inject('PATCH', `/items/${encodeURIComponent(ev.body.id)}`, {
          subject: 'x',
          ifChangeKey: ev.body.changeKey,
        })
      ).status,
    ).toBe(409);
    const view = await inject(
      'GET',
      '/mailboxes/carol@contoso.com/calendar-view?start=2026-03-01T00:00:00Z&end=2026-04-01T00:00:00Z',
    );
    const [first, second] = view.body as { id: string }[];
    expect(
      (await inject('PATCH', `/occurrences/${encodeURIComponent(first!.id)}`, { subject: 'Once' })).body.type,
    ).toBe('exception');
    expect((await inject('DELETE', `/occurrences/${encodeURIComponent(second!.id)}`)).status).toBe(204);
    const folder = await inject('POST', '/mailboxes/carol@contoso.com/folders', {
      kind: 'calendar',
      displayName: 'Side',
    });
    const moved = await inject('POST', `/items/${encodeURIComponent(ev.body.id)}/move`, { folderId: folder.body.id });
    expect(moved.body.folderId).toBe(folder.body.id);
    expect(moved.body.id).not.toBe(ev.body.id);
    expect(moved.body.immutableGraphId).toBe(ev.body.immutableGraphId);
    expect((await inject('GET', `/items/${encodeURIComponent(ev.body.id)}`)).status).toBe(404);
    expect((await inject('DELETE', `/items/${encodeURIComponent(moved.body.id)}`)).status).toBe(204);
    expect((await inject('GET', `/items/${encodeURIComponent(moved.body.immutableGraphId)}`)).status).toBe(404);
  });

  it('seeds contacts, distribution lists and tasks', async () => {
    expect(
      (
        await inject('POST', '/mailboxes/carol@contoso.com/contacts', {
          givenName: 'Eve',
          emailAddresses: [{ address: 'eve@x.org' }],
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await inject('POST', '/mailboxes/carol@contoso.com/distribution-lists', {
          displayName: 'Team',
          members: [{ address: 'eve@x.org' }],
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await inject('POST', '/mailboxes/carol@contoso.com/tasks', {
          title: 'Do it',
          dueDateTime: '2026-02-01T00:00:00Z',
        })
      ).body.dueDateTime,
    ).toBe(Date.parse('2026-02-01T00:00:00Z'));
    const items = await inject('GET', '/mailboxes/carol@contoso.com/items');
    expect(new Set(items.body.map((i: { kind: string }) => i.kind))).toEqual(
      new Set(['event', 'contact', 'distributionList', 'task']),
    );
  });

  it('advances and sets the virtual clock', async () => {
    expect((await inject('POST', '/clock/advance', { seconds: 3600 })).body.now).toBe('2026-01-01T01:00:00.000Z');
    expect((await inject('POST', '/clock', { now: '2026-05-01T00:00:00Z' })).body.now).toBe('2026-05-01T00:00:00.000Z');
    expect((await inject('POST', '/clock/advance', { ms: -5 })).status).toBe(400);
  });

  it('injects faults for the next N matching requests and logs them', async () => {
    const f = await inject('POST', '/faults', {
      face: 'control',
      path: '/_control/clock',
      method: 'GET',
      count: 2,
      action: { kind: 'status', status: 503, retryAfterSeconds: 4 },
    });
    expect(f.status).toBe(201);
    expect((await inject('GET', '/faults')).body).toHaveLength(1);
    const a = await handle.app.inject({ method: 'GET', url: '/_control/clock' });
    const b = await handle.app.inject({ method: 'GET', url: '/_control/clock' });
    const c = await handle.app.inject({ method: 'GET', url: '/_control/clock' });
    expect([a.statusCode, b.statusCode, c.statusCode]).toEqual([503, 503, 200]);
    expect(a.headers['retry-after']).toBe('4');
    const log = (await inject('GET', '/requests?face=control')).body as {
      method: string;
      url: string;
      faultId?: number;
      retryWait?: { honoured: boolean };
    }[];
    const clockCalls = log.filter((e) => e.method === 'GET' && e.url === '/_control/clock');
    expect(clockCalls.map((e) => e.faultId !== undefined)).toEqual([true, true, false]);
    expect(clockCalls[1]!.retryWait?.honoured).toBe(false);
    expect((await inject('POST', '/faults', { action: { kind: 'status', status: 418 } })).status).toBe(400);
    expect((await inject('POST', '/faults', { path: 're:(', action: { kind: 'reset' } })).status).toBe(400);
  });

  it('records mail for Outlook edits only when asked to', async () => {
    const ev = await inject('POST', '/mailboxes/carol@contoso.com/events', {
      subject: 'Meet',
      start: '2026-02-03T10:00:00Z',
      end: '2026-02-03T11:00:00Z',
      attendees: [{ address: 'frank@contoso.com' }],
    });
    const id = encodeURIComponent(ev.body.id);
    await inject('PATCH', `/items/${id}`, { location: 'Room 2' });
    await inject('PATCH', `/items/${id}`, { location: 'Room 3', sendMail: 'update' });
    expect((await inject('PATCH', `/items/${id}`, { sendMail: 'fax' })).status).toBe(400);
    await inject('DELETE', `/items/${id}?sendCancellation=true`);
    const mail = handle.sim.sentMail({ via: 'outlook' });
    expect(mail.map((m) => [m.kind, m.to])).toEqual([
      ['update', ['frank@contoso.com']],
      ['cancellation', ['frank@contoso.com']],
    ]);
  });

  it('exposes sent mail and delta token eviction', async () => {
    handle.sim.store.recordMail({
      from: 'carol@contoso.com',
      to: ['x@y.z'],
      kind: 'invitation',
      subject: 's',
      uid: 'u',
      itemId: 'i',
      via: 'control',
    });
    expect((await inject('GET', '/mail?kind=invitation&via=control')).body).toHaveLength(1);
    expect((await inject('GET', '/mail?kind=cancellation&via=control')).body).toHaveLength(0);
    expect((await inject('POST', '/delta/evict', {})).body).toEqual({ evicted: 0 });
  });

  it('refuses a body of the wrong shape with 400 naming the field, and stores nothing', async () => {
    await inject('POST', '/mailboxes', { smtpAddress: 'dave@contoso.com' });
    const before = (await inject('GET', '/mailboxes/dave@contoso.com/items')).body.length;
    const cases: [string, string, unknown, RegExp][] = [
      // Graph's location object is not the store's shape: it used to become LOCATION:[object Object].
      [
        'POST',
        '/mailboxes/dave@contoso.com/events',
        { subject: 'x', start: 1, end: 2, location: { displayName: 'Room' } },
        /location must be string/,
      ],
      ['POST', '/mailboxes/dave@contoso.com/events', { subject: 'x' }, /must have required property 'start'/],
      [
        'POST',
        '/mailboxes/dave@contoso.com/events',
        { start: 1, end: 2, subjekt: 'typo' },
        /must NOT have additional properties/,
      ],
      [
        'POST',
        '/mailboxes/dave@contoso.com/contacts',
        { emailAddresses: ['a@b.c'] },
        /emailAddresses\/0 must be object/,
      ],
      [
        'POST',
        '/mailboxes/dave@contoso.com/tasks',
        { title: 'x', percentComplete: 150 },
        /percentComplete must be <= 100/,
      ],
      ['POST', '/mailboxes', { displayName: 'no address' }, /smtpAddress/],
      ['POST', '/clock/advance', { ms: '10' }, /ms must be number/],
    ];
    for (const [method, url, payload, message] of cases) {
      const r = await inject(method as 'POST', url, payload);
      expect(r.status, url).toBe(400);
      expect(r.body.error.code).toBe('InvalidInput');
      expect(r.body.error.message).toMatch(message);
    }
    expect((await inject('GET', '/mailboxes/dave@contoso.com/items')).body).toHaveLength(before);
  });

  it('EWS streaming: the behaviour is read and changed (unknown fields refused), and subscriptions are forgotten', async () => {
    expect((await inject('GET', '/ews/streaming')).body).toMatchObject({
      behaviour: { streaming: 'on', idleExpiryMinutes: 30 },
      subscriptions: [],
      connections: [],
    });
    expect((await inject('PATCH', '/ews/streaming', { streaming: 'sometimes' })).status).toBe(400);
    expect((await inject('PATCH', '/ews/streaming', { retries: 3 })).status).toBe(400);
    const changed = await inject('PATCH', '/ews/streaming', {
      streaming: 'refuse',
      servers: { 'erin@contoso.com': 'MBX9.contoso.local' },
    });
    expect(changed.status).toBe(200);
    expect(handle.sim.ewsStreaming.behaviour.streaming).toBe('refuse');
    expect(handle.sim.ewsStreaming.serverOf('Erin@contoso.com')).toBe('MBX9.contoso.local');
    expect((await inject('POST', '/ews/streaming/forget', {})).body).toEqual({ forgotten: 0 });
    await inject('PATCH', '/ews/streaming', { streaming: 'on', servers: {} });
  });
});
