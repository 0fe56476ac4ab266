/** `pnpm sim`: run the simulator standalone with a demo tenant and print how to reach it. */

import { DEMO, seedDemoTenant } from './demo-seed';
import { createSimulator } from './index';

const port = Number(process.env.SIM_PORT ?? 5080);
const host = process.env.SIM_HOST ?? '127.0.0.1';
const handle = createSimulator({ logger: process.env.SIM_LOG === '1' });
seedDemoTenant(handle.sim);
// SIM_USERS="carol@contoso.com:secret,dave@contoso.com:secret2": more mailboxes, each with its owner's login.
const extraUsers = (process.env.SIM_USERS ?? '')
  .split(',')
  .filter((s) => s.trim() !== '')
  .map((entry) => {
    const i = entry.indexOf(':');
    if (i < 1) throw new Error(`SIM_USERS entry "${entry}" is not smtpAddress:password`);
    return { smtpAddress: entry.slice(0, i).trim(), password: entry.slice(i + 1) };
  });
for (const u of extraUsers) {
  if (!handle.sim.store.findMailbox(u.smtpAddress)) handle.sim.store.createMailbox({ smtpAddress: u.smtpAddress });
  handle.sim.directory.addMailboxUser(u);
}
const urls = await handle.listen(port, host);
const sim = handle.sim;

const lines = [
  'exsync Exchange simulator is running',
  '',
  `  EWS endpoint        ${urls.ews}`,
  `  Graph base          ${urls.graph}`,
  `  Token endpoint      ${urls.tokenEndpoint}`,
  `  OpenID config       ${urls.openIdConfiguration}`,
  `  Control API         ${urls.control}`,
  '',
  `  Tenant id           ${sim.tenantId}  (alias contoso.onmicrosoft.com)`,
  `  Client id           ${DEMO.clientId}`,
  `  Client secret       ${DEMO.clientSecret}`,
  `  EWS service account ${DEMO.serviceAccount.domain}\\${DEMO.serviceAccount.username} / ${DEMO.serviceAccount.password} (Basic or NTLM, may impersonate)`,
  `  Mailboxes           ${DEMO.mailboxes.join(', ')}`,
  `  Mailbox owners      each signs in as itself (alice@contoso.com or CONTOSO\\alice) / ${DEMO.userPassword}`,
  ...extraUsers.map((u) => `  Extra user          ${u.smtpAddress} / ${u.password}`),
  '',
  '  msal-node: authority https://login.sim.invalid/<tenant>, knownAuthorities ["login.sim.invalid"],',
  `             authorityMetadata = "msalAuthorityMetadata" of GET ${urls.control}/info`,
  '',
  'Demo credentials only: never reuse them anywhere real. Ctrl+C stops it.',
];
console.log(lines.join('\n'));

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    void handle.close().then(() => process.exit(0));
  });
}
