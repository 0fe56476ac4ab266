import { AuthError } from '@exsync/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EwsAuth } from './connection-config';
import {
  type Affinity,
  EwsStreamingClient,
  type NotificationBatch,
  type StreamEnd,
  StreamingUnsupportedError,
} from './streaming-client';
import { ALICE, BOB, PASSWORD, type SimHarness, startSimulator } from './test-simulator';

let h: SimHarness;
const auth: EwsAuth = { kind: 'basic', username: 'CONTOSO\\svc-push', password: PASSWORD };
let client: EwsStreamingClient;

beforeAll(async () => {
  h = await startSimulator();
  h.sim.directory.addServiceAccount({
    username: 'svc-push',
    password: PASSWORD,
    domain: 'CONTOSO',
    impersonation: [ALICE, BOB],
  });
  client = new EwsStreamingClient({ url: h.url, auth, timeoutMs: 5000 });
});
afterAll(() => h.close());
afterEach(() => {
  Object.assign(h.sim.ewsStreaming.behaviour, { streaming: 'on', servers: {} });
  h.sim.ewsStreaming.forget();
});

const event = (mbx: string, subject: string) =>
  h.sim.store.createEvent(h.sim.store.distinguishedFolder(mbx, 'calendar').id, { subject, start: 0, end: 3_600_000 });

/** Opens a stream and collects what arrives; `end` settles when the server ends it. */
function open(mailbox: string, ids: string[], affinity: Affinity, minutes = 1) {
  const seen: NotificationBatch[] = [];
  const controller = new AbortController();
  const end: Promise<StreamEnd> = client.stream(
    mailbox,
    ids,
    minutes,
    affinity,
    { onNotifications: (b) => seen.push(...b) },
    controller.signal,
  );
  end.catch(() => undefined);
  return { seen, end, stop: () => controller.abort() };
}

const until = async (check: () => boolean, ms = 5000) => {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('EWS streaming notifications against the simulator', () => {
  it('a change in a subscribed calendar arrives on the open connection as a notification of its subscription', async () => {
    const affinity: Affinity = { anchor: ALICE };
    const id = await client.subscribe(ALICE, ['calendar', 'contacts'], affinity);
    expect(affinity.cookie).toMatch(/~/);
    const s = open(ALICE, [id], affinity);
    await until(() => h.sim.ewsStreaming.openConnections().length === 1);
    event(ALICE, 'streamed');
    await until(() => s.seen.length > 0);
    expect(s.seen[0]).toEqual({ subscriptionId: id, events: ['CreatedEvent'] });
    s.stop();
  });

  it('the server ends the connection with ConnectionStatus Closed when ConnectionTimeout minutes are over', async () => {
    const affinity: Affinity = { anchor: ALICE };
    const id = await client.subscribe(ALICE, ['calendar'], affinity);
    const s = open(ALICE, [id], affinity, 1);
    await until(() => h.sim.ewsStreaming.openConnections().length === 1);
    h.sim.advanceClock(61_000);
    await expect(s.end).resolves.toEqual({ kind: 'closed' });
    // Events while no connection is open wait for the next one.
    event(ALICE, 'between connections');
    const again = open(ALICE, [id], affinity);
    await until(() => again.seen.length > 0);
    again.stop();
  });

  it('a subscription without a connection for 30 minutes is gone: ErrorSubscriptionNotFound names it', async () => {
    const affinity: Affinity = { anchor: ALICE };
    const id = await client.subscribe(ALICE, ['calendar'], affinity);
    h.sim.advanceClock(31 * 60_000);
    const s = open(ALICE, [id], affinity);
    await expect(s.end).resolves.toEqual({
      kind: 'subscriptionsLost',
      code: 'ErrorSubscriptionNotFound',
      subscriptionIds: [id],
    });
  });

  it('mailboxes on two servers share one connection when every request of the group carries the anchor and cookie', async () => {
    h.sim.ewsStreaming.behaviour.servers = { [ALICE]: 'MBX1.contoso.local', [BOB]: 'MBX2.contoso.local' };
    const group: Affinity = { anchor: ALICE };
    const a = await client.subscribe(ALICE, ['calendar'], group);
    const b = await client.subscribe(BOB, ['calendar'], group);
    const s = open(ALICE, [a, b], group);
    await until(() => h.sim.ewsStreaming.openConnections().length === 1);
    event(BOB, 'bob changed');
    await until(() => s.seen.some((n) => n.subscriptionId === b));
    s.stop();

    // Without affinity Bob's subscription lands on his own server, which the group's connection never reaches.
    const lost = await client.subscribe(BOB, ['calendar'], { anchor: BOB });
    const t = open(ALICE, [a, lost], group);
    await expect(t.end).resolves.toMatchObject({ kind: 'subscriptionsLost', subscriptionIds: [lost] });
  });

  it('Unsubscribe ends the subscription; a stream naming it afterwards learns it is gone', async () => {
    const affinity: Affinity = { anchor: ALICE };
    const id = await client.subscribe(ALICE, ['calendar'], affinity);
    await client.unsubscribe(ALICE, id, affinity);
    await client.unsubscribe(ALICE, id, affinity); // an unknown one counts as ended
    await expect(open(ALICE, [id], affinity).end).resolves.toMatchObject({ kind: 'subscriptionsLost' });
  });

  it('a server without streaming (Exchange 2007 SP1) is reported as StreamingUnsupportedError', async () => {
    h.sim.ewsStreaming.behaviour.streaming = 'refuse';
    await expect(client.subscribe(ALICE, ['calendar'], { anchor: ALICE })).rejects.toBeInstanceOf(
      StreamingUnsupportedError,
    );
  });
});

describe('EWS streaming notifications over NTLM (connection-based authentication)', () => {
  const ntlm: EwsAuth = { kind: 'ntlm', username: 'CONTOSO\\svc-push', password: PASSWORD };
  const ntlmClient = () => new EwsStreamingClient({ url: h.url, auth: ntlm, timeoutMs: 5000 });

  /** The simulator's verdicts on NTLM requests since `from` (it answers a Type 3 only on the challenged socket). */
  const ntlmVerdicts = (from: number) =>
    h.sim
      .requests({ face: 'ews' })
      .filter((e) => e.seq > from)
      .flatMap((e) => e.notes ?? [])
      .filter((n) => n.startsWith('auth:'));

  it('subscribes and streams with the NTLM service account; a change arrives; Closed then a new connection works', async () => {
    const c = ntlmClient();
    const from = h.sim.requests().at(-1)?.seq ?? 0;
    const affinity: Affinity = { anchor: ALICE };
    const id = await c.subscribe(ALICE, ['calendar'], affinity);
    const seen: NotificationBatch[] = [];
    const controller = new AbortController();
    const end = c.stream(ALICE, [id], 1, affinity, { onNotifications: (b) => seen.push(...b) }, controller.signal);
    await until(() => h.sim.ewsStreaming.openConnections().length === 1);
    event(ALICE, 'streamed over ntlm');
    await until(() => seen.length > 0);
    expect(seen[0]).toEqual({ subscriptionId: id, events: ['CreatedEvent'] });
    h.sim.advanceClock(61_000);
    await expect(end).resolves.toEqual({ kind: 'closed' });

    // Each connection does its own handshake: the reconnect authenticates afresh and sees what happened meanwhile.
    event(ALICE, 'between ntlm connections');
    const again: NotificationBatch[] = [];
    const second = new AbortController();
    const end2 = c.stream(ALICE, [id], 1, affinity, { onNotifications: (b) => again.push(...b) }, second.signal);
    end2.catch(() => undefined);
    await until(() => again.length > 0);
    second.abort();
    await c.unsubscribe(ALICE, id, affinity);
    // Subscribe, two GetStreamingEvents and Unsubscribe: four challenges, none refused.
    const verdicts = ntlmVerdicts(from);
    expect(verdicts.filter((v) => v === 'auth: NTLM challenge sent')).toHaveLength(4);
    expect(verdicts.filter((v) => v !== 'auth: NTLM challenge sent')).toEqual([]);
  });

  it('a wrong NTLM password is a clear credentials error, not a transport failure', async () => {
    const wrong = new EwsStreamingClient({ url: h.url, auth: { ...ntlm, password: 'not-it' }, timeoutMs: 5000 });
    const attempt = wrong.subscribe(ALICE, ['calendar'], { anchor: ALICE });
    await expect(attempt).rejects.toBeInstanceOf(AuthError);
    await expect(attempt).rejects.toThrow(/refused the NTLM credentials .*HTTP 401/);
  });
});
