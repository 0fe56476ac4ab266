/**
 * The simulator in its own process for the simulator-cost benchmark: a mailbox with `EVENTS` events (singles in
 * several zones and weekly series), an impersonating service account and an app registration for Graph; prints its
 * EWS and Graph URLs, a Graph token and the calendar's Graph id, then answers "cpu" on stdin with its own CPU time
 * (so the benchmark can tell the simulator's cost from the client's).
 */
import { createInterface } from 'node:readline';
import { createSimulator, DEMO } from '@exsync/exchange-sim';

const EVENTS = Number(process.env.EVENTS ?? 1000);
const ZONES = ['Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'UTC', 'Australia/Sydney'];
const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-02T08:00:00Z');

const handle = createSimulator({ seed: 'bench', clock: { start: Date.parse('2026-03-01T00:00:00Z') } });
const { sim } = handle;
sim.store.createMailbox({ smtpAddress: 'alice@contoso.com' });
sim.directory.addServiceAccount({
  username: 'svc-sync',
  password: 'Passw0rd!',
  domain: 'CONTOSO',
  impersonation: true,
});
// An app registration, so the same mailbox can be read over Graph (client credentials through msal, or the token below).
const app = sim.directory.addApp({
  clientId: DEMO.clientId,
  displayName: 'exsync bench',
  secrets: [DEMO.clientSecret],
});
const calendarFolder = sim.store.distinguishedFolder('alice@contoso.com', 'calendar');
const calendar = calendarFolder.id;
for (let i = 0; i < EVENTS; i++) {
  const start = T0 + (i % 300) * 24 * HOUR + (i % 9) * HOUR;
  const series = i % 10 === 0;
  sim.store.createEvent(calendar, {
    subject: `Event ${i}`,
    start,
    end: start + HOUR,
    timeZone: ZONES[i % ZONES.length]!,
    location: `Room ${i % 17}`,
    ...(series
      ? {
          recurrence: {
            pattern: { type: 'weekly' as const, interval: 1, daysOfWeek: ['monday' as const] },
            range: {
              type: 'numbered' as const,
              startDate: new Date(start).toISOString().slice(0, 10),
              numberOfOccurrences: 10,
            },
          },
        }
      : {}),
  });
}
// Exit through process.exit on SIGTERM: only an orderly exit writes the CPU profile BENCH_SIM_PROF asks for.
process.on('SIGTERM', () => process.exit(0));
const urls = await handle.listen(0);
const cpuAtStart = process.cpuUsage();
// Issued before the CPU baseline: the token is the client's set-up, not part of the read being measured.
const { token } = await sim.tokens.issue(app, 'graph');
console.log(
  JSON.stringify({
    ews: urls.ews,
    graph: urls.graph,
    token,
    tenantId: sim.tenantId,
    authorityMetadata: sim.msalAuthorityMetadata(),
    calendarGraphId: calendarFolder.graphId,
  }),
);
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === 'cpu') {
    const u = process.cpuUsage(cpuAtStart);
    console.log(JSON.stringify({ cpuMs: (u.user + u.system) / 1000 }));
  }
}
await handle.close();
