import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enc, type Harness, startHarness } from '../testing/graph-harness';

type Inner = { id: string; status: number; headers: Record<string, string>; body: Record<string, unknown> };

let h: Harness;
const U = '/users/alice@contoso.com';

beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

const get = (id: string, url = `${U}/calendars`) => ({ id, method: 'GET', url });

describe('Graph $batch', () => {
  it('refuses 21 requests, duplicate ids and absolute urls with 400', async () => {
    const reqs = Array.from({ length: 21 }, (_, i) => get(String(i)));
    expect((await h.graph('POST', '/$batch', { requests: reqs })).status).toBe(400);
    expect((await h.graph('POST', '/$batch', { requests: [get('1'), get('1')] })).status).toBe(400);
    expect(
      (
        await h.graph('POST', '/$batch', {
          requests: [{ id: '1', method: 'GET', url: 'https://graph.microsoft.com/v1.0/me' }],
        })
      ).status,
    ).toBe(400);
  });

  it('runs 20 requests, answers each by id in a shuffled order, with per-request status and headers', async () => {
    const reqs = Array.from({ length: 20 }, (_, i) => get(String(i + 1)));
    const r = await h.graph<{ responses: Inner[] }>('POST', '/$batch', { requests: reqs });
    expect(r.status).toBe(200);
    const ids = r.body.responses.map((x) => x.id);
    expect([...ids].sort()).toEqual(reqs.map((x) => x.id).sort());
    expect(ids).not.toEqual(reqs.map((x) => x.id));
    expect(
      r.body.responses.every((x) => x.status === 200 && x.headers['Content-Type']?.startsWith('application/json')),
    ).toBe(true);
    expect(h.sim.requests({ face: 'graph' }).filter((e) => e.batchInner)).toHaveLength(20);
  });

  it('gives 424 to a request whose dependency failed, 400 to a body without Content-Type, and runs writes', async () => {
    const r = await h.graph<{ responses: Inner[] }>('POST', '/$batch', {
      requests: [
        get('missing', `${U}/events/AAMkAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=`),
        { ...get('after', `${U}/calendars`), dependsOn: ['missing'] },
        { id: 'nobodytype', method: 'POST', url: `${U}/events`, body: { subject: 'x' } },
        {
          id: 'create',
          method: 'POST',
          url: `${U}/events`,
          headers: { 'Content-Type': 'application/json' },
          body: {
            subject: 'via batch',
            start: { dateTime: '2026-01-05T09:00:00', timeZone: 'UTC' },
            end: { dateTime: '2026-01-05T10:00:00', timeZone: 'UTC' },
          },
        },
      ],
    });
    const by = Object.fromEntries(r.body.responses.map((x) => [x.id, x]));
    expect(by.missing?.status).toBe(404);
    expect(by.after?.status).toBe(424);
    expect(by.nobodytype?.status).toBe(400);
    expect(by.create?.status).toBe(201);
    expect(by.create?.body.subject).toBe('via batch');
  });

  it('passes an inner 429 fault through with its Retry-After, and turns an inner reset into an empty 500', async () => {
    h.sim.injectFault({ face: 'graph', path: '/calendars' }, { kind: 'status', status: 429, retryAfterSeconds: 7 });
    const r = await h.graph<{ responses: Inner[] }>('POST', '/$batch', { requests: [get('1')] });
    expect(r.body.responses[0]).toMatchObject({ status: 429, headers: { 'Retry-After': '7' } });
    h.sim.injectFault({ face: 'graph', path: '/calendars' }, { kind: 'reset' });
    const reset = await h.graph<{ responses: Inner[] }>('POST', '/$batch', { requests: [get('1')] });
    expect(reset.body.responses[0]?.status).toBe(500);
  });

  it('throttles one inner request while the others succeed, and logs each with its own status', async () => {
    h.sim.injectFault({ face: 'graph', path: `${U}/contacts` }, { kind: 'status', status: 429, retryAfterSeconds: 5 });
    const r = await h.graph<{ responses: Inner[] }>('POST', '/$batch', {
      requests: [get('cal'), get('con', `${U}/contacts`), get('ev', `${U}/events?$top=1&$select=subject`)],
    });
    const by = Object.fromEntries(r.body.responses.map((x) => [x.id, x]));
    expect(by.con).toMatchObject({ status: 429, headers: { 'Retry-After': '5' } });
    expect(by.con?.body).toMatchObject({ error: { code: 'ApplicationThrottled' } });
    expect([by.cal?.status, by.ev?.status]).toEqual([200, 200]);
    // The inner query string reaches the handler: one event, only its subject.
    const events = by.ev?.body.value as Record<string, unknown>[];
    expect(events).toHaveLength(1);
    expect(Object.keys(events[0]!).filter((k) => !k.startsWith('@odata') && k !== 'id')).toEqual(['subject']);
    const inner = h.sim.requests({ face: 'graph' }).filter((e) => e.batchInner);
    expect(inner.map((e) => e.status).sort()).toEqual([200, 200, 429]);
    expect(inner.find((e) => e.status === 429)?.faultId).toBeDefined();
  });

  it("checks each inner request's roles and the app's mailbox scope on its own; a dependent of a refused one gets 424", async () => {
    const app = [...h.sim.directory.apps.values()][0]!;
    app.roles.graph = ['Calendars.Read'];
    app.allowedMailboxes = ['bob@contoso.com'];
    h.token = await h.tokenFor();
    const B = '/users/bob@contoso.com';
    const r = await h.graph<{ responses: Inner[] }>('POST', '/$batch', {
      requests: [
        get('read', `${B}/calendars`),
        get('other', `${U}/calendars`),
        {
          id: 'write',
          method: 'POST',
          url: `${B}/events`,
          headers: { 'Content-Type': 'application/json' },
          body: { subject: 'not allowed' },
        },
        { ...get('after', `${B}/calendars`), dependsOn: ['write'] },
      ],
    });
    const by = Object.fromEntries(r.body.responses.map((x) => [x.id, x]));
    expect(by.read?.status).toBe(200);
    expect(by.other?.status).toBe(403);
    expect(JSON.stringify(by.other?.body)).toContain('[RAOP]');
    expect(by.write).toMatchObject({ status: 403, body: { error: { code: 'ErrorAccessDenied' } } });
    expect(by.after).toMatchObject({ status: 424, body: { error: { code: 'FailedDependency' } } });
  });

  it('answers an inner body that is not valid JSON with 400 and one of another media type with 415', async () => {
    const r = await h.graph<{ responses: Inner[] }>('POST', '/$batch', {
      requests: [
        { id: 'bad', method: 'POST', url: `${U}/events`, headers: { 'Content-Type': 'application/json' }, body: '{no' },
        { id: 'xml', method: 'POST', url: `${U}/events`, headers: { 'Content-Type': 'text/xml' }, body: '<a/>' },
      ],
    });
    const by = Object.fromEntries(r.body.responses.map((x) => [x.id, x]));
    expect(by.bad).toMatchObject({ status: 400, body: { error: { code: 'BadRequest' } } });
    expect(by.xml?.status).toBe(415);
  });
});

describe('Graph throttling', () => {
  it('answers the 5th concurrent request for one app and mailbox with 429 ApplicationThrottled and Retry-After', async () => {
    h.sim.graph.latencyMs = 300;
    const results = await Promise.all(Array.from({ length: 5 }, () => h.graph('GET', `${U}/calendars`)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
    const throttled = results.find((r) => r.status === 429)!;
    expect(throttled.headers.get('retry-after')).toBe('1');
    expect(throttled.body).toMatchObject({
      error: { code: 'ApplicationThrottled', message: expect.stringContaining('MailboxConcurrency') },
    });
    // Another mailbox has its own meter.
    const other = await Promise.all(
      Array.from({ length: 4 }, () => h.graph('GET', '/users/bob@contoso.com/calendars')),
    );
    expect(other.every((r) => r.status === 200)).toBe(true);
  });

  it('logs whether the client waited the advertised Retry-After before retrying', async () => {
    h.sim.injectFault({ face: 'graph' }, { kind: 'status', status: 429, retryAfterSeconds: 1 }, 2);
    await h.graph('GET', `${U}/calendars`);
    await h.graph('GET', `${U}/calendars`); // impatient retry: throttled again
    await new Promise((r) => setTimeout(r, 1050));
    const ok = await h.graph('GET', `${U}/calendars`);
    expect(ok.status).toBe(200);
    const log = h.sim.requests({ face: 'graph' });
    expect(log.map((e) => [e.status, e.retryWait?.honoured])).toEqual([
      [429, undefined],
      [429, false],
      [200, true],
    ]);
    expect(log[2]!.retryWait!.advertisedMs).toBe(1000);
  });
});

describe('Graph ugly faults', () => {
  it('serves 500 with an HTML body, an empty body, 503 with Retry-After, slow answers and connection resets', async () => {
    const path = `${U}/calendars`;
    h.sim.injectFault({ face: 'graph', path }, { kind: 'error500', body: 'html' });
    const html = await h.graph('GET', path);
    expect([html.status, html.headers.get('content-type')]).toEqual([500, 'text/html; charset=utf-8']);
    h.sim.injectFault({ face: 'graph', path }, { kind: 'error500', body: 'empty' });
    const empty = await h.graph('GET', path);
    expect([empty.status, empty.body]).toEqual([500, undefined]);
    h.sim.injectFault({ face: 'graph', path }, { kind: 'status', status: 503, retryAfterSeconds: 3 });
    const busy = await h.graph('GET', path);
    expect([busy.status, busy.headers.get('retry-after')]).toEqual([503, '3']);
    h.sim.injectFault({ face: 'graph', path }, { kind: 'slow', delayMs: 400 });
    const slow = await fetch(`${h.base}${path}`, {
      headers: { authorization: `Bearer ${h.token}` },
      signal: AbortSignal.timeout(150),
    }).catch((e) => e);
    expect((slow as Error).name).toBe('TimeoutError');
    h.sim.injectFault({ face: 'graph', path }, { kind: 'reset' });
    await expect(h.graph('GET', path)).rejects.toThrow(/fetch failed/);
    expect((await h.graph('GET', path)).status).toBe(200);
  });

  it('a 401 fault looks like an expired token to the client', async () => {
    h.sim.injectFault({ face: 'graph', method: 'GET' }, { kind: 'status', status: 401 });
    const r = await h.graph('GET', `${U}/events/${enc('x=')}`);
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ error: { code: 'InvalidAuthenticationToken' } });
  });
});
