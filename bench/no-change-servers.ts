/**
 * A peer of the many-user no-change cycle in a process of its own, so the benchmark counts only the service's CPU,
 * and each peer has a core's share of its own, as Exchange and Nextcloud have their own servers (in one process the
 * two were the slowest part of a 10,000-user cycle). PEER=exchange: the Exchange simulator (EWS face) with USERS
 * mailboxes of EVENTS events, CONTACTS contacts and TASKS tasks and one impersonating service account; prints
 * `{ ews }`. PEER=nextcloud: the fake Nextcloud with one login per user (Nextcloud's two homes); prints `{ dav }`.
 * Each answers "stats" on stdin with its own CPU and the requests it received.
 */
import { createInterface } from 'node:readline';
import { createSimulator } from '@exsync/exchange-sim';
import { FakeNextcloud } from '../packages/dav/src/testing/fake-nextcloud';

const USERS = Number(process.env.USERS ?? 1000);
const EVENTS = Number(process.env.EVENTS ?? 3);
const CONTACTS = Number(process.env.CONTACTS ?? 2);
const TASKS = Number(process.env.TASKS ?? 1);
export const APP_PASSWORD = 'bench-app-password';

/** The login and mailbox of the n-th user, as the benchmark enrols them. */
export const benchUser = (n: number) => ({ login: `user${n}`, mailbox: `user${n}@contoso.com` });

if (process.argv[1]?.endsWith('no-change-servers.ts')) await serve();

async function serve(): Promise<void> {
  const peer = process.env.PEER === 'nextcloud' ? await serveNextcloud() : await serveExchange();
  process.on('SIGTERM', () => process.exit(0));
  const cpuAtStart = process.cpuUsage();
  console.log(JSON.stringify(peer.urls));
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() === 'stats') {
      const u = process.cpuUsage(cpuAtStart);
      console.log(JSON.stringify({ cpuMs: (u.user + u.system) / 1000, requests: peer.requests() }));
    }
  }
  await peer.close();
}

interface Peer {
  readonly urls: { ews: string } | { dav: string };
  requests(): number;
  close(): Promise<void>;
}

async function serveExchange(): Promise<Peer> {
  const handle = createSimulator({ seed: 'bench-no-change', clock: { start: Date.parse('2026-03-01T00:00:00Z') } });
  const { sim } = handle;
  const start = Date.parse('2026-03-02T08:00:00Z');
  const mailboxes: string[] = [];
  for (let n = 0; n < USERS; n++) {
    const { mailbox } = benchUser(n);
    mailboxes.push(mailbox);
    sim.store.createMailbox({ smtpAddress: mailbox });
    const folder = (name: 'calendar' | 'contacts' | 'tasks') => sim.store.distinguishedFolder(mailbox, name).id;
    for (let i = 0; i < EVENTS; i++) {
      const at = start + i * 3_600_000;
      sim.store.createEvent(folder('calendar'), { subject: `Event ${i}`, start: at, end: at + 1_800_000 });
    }
    for (let i = 0; i < CONTACTS; i++) {
      sim.store.createContact(folder('contacts'), { displayName: `Contact ${i}`, givenName: 'C', surname: `${i}` });
    }
    for (let i = 0; i < TASKS; i++) {
      sim.store.createTask(folder('tasks'), { title: `Task ${i}`, dueDateTime: start + i * 86_400_000 });
    }
  }
  sim.directory.addServiceAccount({
    username: 'svc-sync',
    password: 'Passw0rd!',
    domain: 'CONTOSO',
    impersonation: mailboxes,
  });
  const urls = await handle.listen(0);
  return {
    urls: { ews: urls.ews },
    // Counted, not read off the request log: the log keeps only the last 20,000 (a 10,000-user cycle sends more).
    requests: () => sim.requestCount('ews'),
    close: () => handle.close(),
  };
}

async function serveNextcloud(): Promise<Peer> {
  const nextcloud = new FakeNextcloud({ password: APP_PASSWORD });
  for (let n = 0; n < USERS; n++) nextcloud.addUser(benchUser(n).login, APP_PASSWORD);
  await nextcloud.start();
  return {
    urls: { dav: nextcloud.baseUrl },
    requests: () => nextcloud.requests.length,
    close: () => nextcloud.stop(),
  };
}
