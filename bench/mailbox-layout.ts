/** Names the benchmark processes agree on: mailbox addresses, the simulator's logins, the DAV users. */

export const mailboxAddress = (u: number) => `user${u}@contoso.com`;
/** The DAV login of user `u` (Radicale's htpasswd; the service's `loginName`). */
export const davUser = (u: number) => `user${u}`;
export const DAV_PASSWORD = 'bench-app-password';
/** Every mailbox's own login, for a client that signs in as the owner (DavMail). */
export const OWNER_PASSWORD = 'Owner-Passw0rd!';
export const SIM_SERVICE = { username: 'svc-sync', password: 'Passw0rd!', domain: 'CONTOSO' } as const;
export const SIM_APP = {
  clientId: 'a0b1c2d3-0000-4000-8000-00000000be4c',
  clientSecret: 'bench-client-secret',
} as const;
const DAY = 86_400_000;
const today = Math.floor(Date.now() / DAY) * DAY;
/** What a direct sync copies: the service's default window (30 days back, 180 ahead) holds every simulated event. */
export const WINDOW = {
  start: new Date(today - 30 * DAY).toISOString(),
  end: new Date(today + 181 * DAY).toISOString(),
} as const;
/** The sync benchmark's second mailbox (`sim-server.ts`), synced first so that the measured sync runs on warm code. */
export const WARMUP_MAILBOX = 'warmup@contoso.com';
