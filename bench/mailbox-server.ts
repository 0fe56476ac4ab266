/**
 * The simulator in its own process for the reference, cycle and large-mailbox benchmarks: `USERS` mailboxes
 * (`user0@contoso.com` …), each with `EVENTS` events from tomorrow over 150 days (singles in several zones,
 * every tenth a weekly series of 10),
 * `CONTACTS` contacts and `TASKS` tasks; an impersonating service account, an app registration for Graph, and an
 * owner login per mailbox (for DavMail). Prints its URLs as one JSON line, then answers on stdin:
 *   `cpu`         → `{ cpuMs }`, its own CPU since it listened (so a benchmark tells its cost from the client's);
 *   `items <i>`   → `{ event: [uid…], contact: [uid…], task: [subject…] }` of mailbox i, what a sync must copy.
 */
import { createInterface } from 'node:readline';
import { createSimulator } from '@exsync/exchange-sim';
import { mailboxAddress, OWNER_PASSWORD, SIM_APP, SIM_SERVICE } from './mailbox-layout';
import { seedEvents } from './seed-events';

const USERS = Number(process.env.USERS ?? 1);
const EVENTS = Number(process.env.EVENTS ?? 1000);
const CONTACTS = Number(process.env.CONTACTS ?? 0);
const TASKS = Number(process.env.TASKS ?? 0);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Tomorrow 08:00 UTC: every item falls inside the service's default window (30 days back, 180 ahead). */
const T0 = Math.floor(Date.now() / DAY) * DAY + DAY + 8 * HOUR;

const handle = createSimulator({ seed: 'bench', clock: { start: Date.now() } });
const { sim } = handle;
sim.directory.addServiceAccount({
  username: SIM_SERVICE.username,
  password: SIM_SERVICE.password,
  domain: SIM_SERVICE.domain,
  impersonation: true,
});
sim.directory.addApp({ clientId: SIM_APP.clientId, secrets: [SIM_APP.clientSecret] });

for (let u = 0; u < USERS; u++) {
  const address = mailboxAddress(u);
  sim.store.createMailbox({ smtpAddress: address, displayName: `User ${u}` });
  sim.directory.addMailboxUser({ smtpAddress: address, password: OWNER_PASSWORD });
  const folder = (kind: 'calendar' | 'contacts' | 'tasks') => sim.store.distinguishedFolder(address, kind).id;
  seedEvents(sim.store, folder('calendar'), EVENTS, { t0: T0, days: 150, subject: 'Event' });
  for (let i = 0; i < CONTACTS; i++) {
    sim.store.createContact(folder('contacts'), {
      displayName: `Contact ${i} of ${u}`,
      givenName: 'Contact',
      surname: `${i}`,
    });
  }
  for (let i = 0; i < TASKS; i++) {
    sim.store.createTask(folder('tasks'), { title: `Task ${i} of ${u}`, dueDateTime: T0 + (i % 150) * DAY });
  }
}

/** What mailbox `u` holds, as a sync must find it on the DAV side. */
function items(u: number) {
  const address = mailboxAddress(u);
  const list = (kind: 'calendar' | 'contacts' | 'tasks') =>
    sim.store.listItems(sim.store.distinguishedFolder(address, kind).id);
  return {
    event: list('calendar').flatMap((i) => (i.kind === 'event' ? [i.uid] : [])),
    contact: list('contacts').flatMap((i) => (i.kind === 'contact' ? [i.displayName ?? ''] : [])),
    task: list('tasks').flatMap((i) => (i.kind === 'task' ? [i.title] : [])),
  };
}

process.on('SIGTERM', () => process.exit(0));
const urls = await handle.listen(0);
const cpuAtStart = process.cpuUsage();
console.log(JSON.stringify({ ews: urls.ews, base: urls.base, graph: urls.graph, tenantId: sim.tenantId }));
for await (const line of createInterface({ input: process.stdin })) {
  const [command, arg] = line.trim().split(' ');
  if (command === 'cpu') {
    const u = process.cpuUsage(cpuAtStart);
    console.log(JSON.stringify({ cpuMs: (u.user + u.system) / 1000 }));
  } else if (command === 'items') {
    console.log(JSON.stringify(items(Number(arg))));
  }
}
await handle.close();
