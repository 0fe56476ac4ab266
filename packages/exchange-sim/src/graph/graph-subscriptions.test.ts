import { createServer, type Server } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enc, type Harness, startHarness } from '../testing/graph-harness';

let h: Harness;
let receiver: Server;
let receiverUrl: string;
let received: { url: string; body: string }[];
let answerValidation = true;
const U = '/users/alice@contoso.com';

beforeEach(async () => {
  h = await startHarness();
  received = [];
  answerValidation = true;
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const token = new URL(req.url ?? '/', 'http://x').searchParams.get('validationToken');
      if (token !== null) {
        res
          .writeHead(answerValidation ? 200 : 500, { 'content-type': 'text/plain' })
          .end(answerValidation ? token : '');
        return;
      }
      received.push({ url: req.url ?? '', body });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  const addr = receiver.address();
  receiverUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
afterEach(async () => {
  await h.close();
  await new Promise((r) => receiver.close(r));
});

const inDays = (d: number) => new Date(h.sim.clock.now() + d * 86_400_000).toISOString();

describe('Graph change notifications', () => {
  it('validates the endpoint, notifies on event changes with clientState, and renews and deletes', async () => {
    const sub = await h.graph<{ id: string; expirationDateTime: string }>('POST', '/subscriptions', {
      changeType: 'created,updated,deleted',
      notificationUrl: `${receiverUrl}/notify`,
      lifecycleNotificationUrl: `${receiverUrl}/lifecycle`,
      resource: `${U}/events`,
      expirationDateTime: inDays(6),
      clientState: 'secret-state',
    });
    expect(sub.status).toBe(201);
    const ev = await h.graph<{ id: string }>('POST', `${U}/events`, {
      subject: 'n',
      start: { dateTime: '2026-01-05T09:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-01-05T10:00:00', timeZone: 'UTC' },
    });
    await h.sim.subscriptions.flush();
    const note = JSON.parse(received.find((r) => r.url === '/notify')!.body);
    expect(note.value[0]).toMatchObject({
      subscriptionId: sub.body.id,
      changeType: 'created',
      clientState: 'secret-state',
    });
    expect(note.value[0].resourceData.id).toBe(ev.body.id);
    // Contacts are not covered by an events subscription.
    await h.graph('POST', `${U}/contacts`, { givenName: 'x' });
    await h.sim.subscriptions.flush();
    expect(received.filter((r) => r.url === '/notify')).toHaveLength(1);

    const renewed = await h.graph<{ expirationDateTime: string }>('PATCH', `/subscriptions/${sub.body.id}`, {
      expirationDateTime: inDays(7),
    });
    expect(renewed.status).toBe(200);
    expect((await h.graph('PATCH', `/subscriptions/${sub.body.id}`, { expirationDateTime: inDays(8) })).status).toBe(
      400,
    );

    h.sim.subscriptionLifecycle(sub.body.id, 'missed');
    await h.sim.subscriptions.flush();
    expect(JSON.parse(received.find((r) => r.url === '/lifecycle')!.body).value[0].lifecycleEvent).toBe('missed');
    expect((await h.graph('DELETE', `/subscriptions/${enc(sub.body.id)}`)).status).toBe(204);
    expect((await h.graph('GET', `/subscriptions/${enc(sub.body.id)}`)).status).toBe(404);
  });

  it('refuses an endpoint that fails validation and an expiration beyond 10,080 minutes', async () => {
    answerValidation = false;
    const bad = await h.graph('POST', '/subscriptions', {
      changeType: 'updated',
      notificationUrl: `${receiverUrl}/notify`,
      resource: `${U}/contacts`,
      expirationDateTime: inDays(1),
    });
    expect(bad.status).toBe(400);
    answerValidation = true;
    const tooLong = await h.graph('POST', '/subscriptions', {
      changeType: 'updated',
      notificationUrl: `${receiverUrl}/notify`,
      resource: `${U}/contacts`,
      expirationDateTime: inDays(8),
    });
    expect(tooLong.status).toBe(400);
  });
});
