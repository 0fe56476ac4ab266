/**
 * Requests per side of a sync in which nothing changed (one user with events, contacts and tasks, driven through
 * the service's API and worker), for EWS and Graph against the fake Nextcloud (two homes, as Nextcloud) and EWS
 * against Radicale (one home). Run: `pnpm --filter @exsync/bench requests`. The Radicale row needs Radicale
 * (scripts/dav-servers/install.sh) and is left out without it. Exchange requests come from the simulator's request
 * log, DAV requests from the fake Nextcloud's log or the service's counting transport.
 */

import { type NoChangeOptions, noChangeScenario } from '../apps/sync-service/src/testing/no-change';
import { isInstalled } from '../packages/dav/src/testing/dav-servers';

const setups: (NoChangeOptions & { name: string; target: string })[] = [
  { name: 'EWS ⇄ Nextcloud (fake)', exchange: 'ews', dav: 'nextcloud', target: '3 + 2' },
  { name: 'Graph ⇄ Nextcloud (fake)', exchange: 'graph', dav: 'nextcloud', target: '3 + 2' },
  ...(isInstalled('radicale')
    ? [{ name: 'EWS ⇄ Radicale', exchange: 'ews', dav: 'radicale', target: '3 + 1' } as const]
    : []),
];

console.log('setup                      sync                       Exchange  DAV');
for (const setup of setups) {
  const scenario = await noChangeScenario(setup);
  try {
    const row = (name: string, r: { exchange: number; dav: number }) =>
      console.log(
        `${setup.name.padEnd(26)} ${name.padEnd(25)} ${String(r.exchange).padStart(8)} ${String(r.dav).padStart(4)}`,
      );
    row('first (discovery, copy)', await scenario.sync());
    row('second (own writes echo)', await scenario.sync());
    for (let i = 1; i <= 3; i++) row(`no-change #${i}`, await scenario.sync());
    const recorded = await scenario.recorded();
    console.log(
      `${''.padEnd(26)} run record of the last: Exchange ${recorded.requests?.exchange}, DAV ${recorded.requests?.nextcloud} (target ${setup.target})`,
    );
  } finally {
    await scenario.close();
  }
}
console.log(
  '\nTarget: one Exchange request per folder (EWS SyncFolderItems, Graph delta: 3) + one DAV PROPFIND per home (Nextcloud: 2 homes; Radicale: 1).',
);
