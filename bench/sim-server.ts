/**
 * The simulator in its own process for the simulator-cost benchmark: a mailbox with `EVENTS` events (singles in
 * several zones and weekly series), a second mailbox with `WARMUP` others for a warm-up sync (so that the measured
 * sync runs on warm code in both processes, as a running service and a running Exchange do, without the measured
 * items having been served before), an impersonating service account and an app registration for Graph; prints its
 * EWS and Graph URLs, a Graph token and both calendars' Graph ids, then answers "cpu" on stdin with its own CPU time
 * (so the benchmark can tell the simulator's cost from the client's).
 */
import { createInterface } from 'node:readline';
import { createSimulator, DEMO } from '@exsync/exchange-sim';
import { WARMUP_MAILBOX } from './mailbox-layout';
import { startProfile } from './profile';
import { seedEvents } from './seed-events';

const EVENTS = Number(process.env.EVENTS ?? 1000);
const WARMUP = Number(process.env.WARMUP ?? 0);
const T0 = Date.parse('2026-03-02T08:00:00Z');

const handle = createSimulator({ seed: 'bench', clock: { start: Date.parse('2026-03-01T00:00:00Z') } });
const { sim } = handle;
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
const calendarFolder = seededCalendar('alice@contoso.com', 'Event', EVENTS);
const warmupFolder = seededCalendar(WARMUP_MAILBOX, 'Warm-up event', WARMUP);

/** A mailbox whose calendar holds `count` events (see `seedEvents`), over 300 days. */
function seededCalendar(smtpAddress: string, subject: string, count: number) {
  sim.store.createMailbox({ smtpAddress });
  const folder = sim.store.distinguishedFolder(smtpAddress, 'calendar');
  seedEvents(sim.store, folder.id, count, { t0: T0, days: 300, subject });
  return folder;
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
    warmupCalendarGraphId: warmupFolder.graphId,
  }),
);
// "profile <file>" starts a CPU profile of what follows, "profile-end" writes it (the benchmark's BENCH_PROF: the
// simulator's profile of the measured run alone, where BENCH_SIM_PROF's covers the whole process).
let stopProfile: ((file: string) => Promise<void>) | undefined;
let profileFile = '';
for await (const line of createInterface({ input: process.stdin })) {
  const [command, argument] = line.trim().split(' ', 2);
  if (command === 'cpu') {
    const u = process.cpuUsage(cpuAtStart);
    console.log(JSON.stringify({ cpuMs: (u.user + u.system) / 1000 }));
  } else if (command === 'profile' && argument) {
    profileFile = argument;
    stopProfile = await startProfile();
    console.log('{}');
  } else if (command === 'profile-end') {
    await stopProfile?.(profileFile);
    stopProfile = undefined;
    console.log('{}');
  }
}
await handle.close();
