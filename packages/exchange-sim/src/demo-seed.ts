/** A small demo tenant for `pnpm sim` and for tests that want realistic content without writing it. */
import type { Simulator } from './simulator';

/** The simulator's public demo credential, printed by `pnpm sim`: it opens nothing outside the simulator. */
const DEMO_APP_CREDENTIAL = 'sim-secret-change-me';

export const DEMO = {
  clientId: 'a0b1c2d3-0000-4000-8000-00000000e5c1',
  clientSecret: DEMO_APP_CREDENTIAL,
  serviceAccount: { username: 'svc-exsync', password: 'Passw0rd!', domain: 'CONTOSO' },
  mailboxes: ['alice@contoso.com', 'bob@contoso.com'],
  /** Every demo mailbox owner signs in (Basic or NTLM) as `alice@contoso.com` or `CONTOSO\\alice` with this. */
  userPassword: 'Us3r-Passw0rd!',
};

export function seedDemoTenant(sim: Simulator, now = sim.clock.now()) {
  sim.directory.tenantAliases.add('contoso.onmicrosoft.com');
  const app = sim.directory.addApp({
    clientId: DEMO.clientId,
    displayName: 'exsync demo',
    secrets: [DEMO.clientSecret],
  });
  sim.directory.addServiceAccount({ ...DEMO.serviceAccount, impersonation: true });
  const [alice, bob] = DEMO.mailboxes.map((smtp) =>
    sim.store.createMailbox({
      smtpAddress: smtp,
      displayName: smtp.split('@')[0]!.replace(/^./, (c) => c.toUpperCase()),
    }),
  ) as [ReturnType<Simulator['store']['createMailbox']>, ReturnType<Simulator['store']['createMailbox']>];
  for (const smtpAddress of DEMO.mailboxes) sim.directory.addMailboxUser({ smtpAddress, password: DEMO.userPassword });
  const day = 86_400_000;
  const monday = startOfUtcDay(now) + ((8 - new Date(now).getUTCDay()) % 7) * day;
  const cal = sim.store.distinguishedFolder(alice.id, 'calendar');
  sim.store.createEvent(cal.id, {
    subject: 'Team weekly',
    start: monday + 8 * 3_600_000,
    end: monday + 9 * 3_600_000,
    timeZone: 'Europe/Berlin',
    location: 'Room 1',
    attendees: [
      {
        emailAddress: { address: bob.smtpAddress, name: bob.displayName },
        type: 'required',
        status: { response: 'accepted' },
      },
    ],
    recurrence: {
      pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'], firstDayOfWeek: 'monday' },
      range: { type: 'noEnd', startDate: new Date(monday).toISOString().slice(0, 10) },
    },
  });
  sim.store.createEvent(cal.id, {
    subject: 'Dentist',
    start: monday + 2 * day + 14 * 3_600_000,
    end: monday + 2 * day + 15 * 3_600_000,
    timeZone: 'Europe/Berlin',
    showAs: 'oof',
    sensitivity: 'private',
  });
  const contacts = sim.store.distinguishedFolder(alice.id, 'contacts');
  sim.store.createContact(contacts.id, {
    givenName: 'Carol',
    surname: 'Jones',
    emailAddresses: [{ address: 'carol@example.org', name: 'Carol Jones' }],
    mobilePhone: '+49 170 0000000',
    companyName: 'Example GmbH',
    jobTitle: 'CTO',
    birthday: '1980-04-12',
  });
  sim.store.createDistributionList(contacts.id, {
    displayName: 'Friends',
    members: [{ address: 'carol@example.org' }],
  });
  const tasks = sim.store.distinguishedFolder(alice.id, 'tasks');
  sim.store.createTask(tasks.id, { title: 'File expenses', dueDateTime: monday + 4 * day, importance: 'high' });
  return { app, alice, bob };
}

function startOfUtcDay(ms: number): number {
  return Math.floor(ms / 86_400_000) * 86_400_000;
}
