/**
 * Requests per side of a sync in which nothing changed (one user with events, contacts and tasks; EWS simulator
 * ⇄ Radicale, driven through the service's API and worker). Run: `pnpm --filter @exsync/bench requests`.
 * Needs Radicale (scripts/dav-servers/install.sh). EWS requests come from the simulator's request log, DAV
 * requests from the service's counting transport.
 */
import { noChangeScenario } from '../apps/sync-service/src/testing/no-change';

const scenario = await noChangeScenario();
try {
  const first = await scenario.sync();
  const echo = await scenario.sync();
  const idle = [await scenario.sync(), await scenario.sync(), await scenario.sync()];
  console.log('sync                       EWS  DAV');
  const row = (name: string, r: { ews: number; dav: number }) =>
    console.log(`${name.padEnd(25)} ${String(r.ews).padStart(4)} ${String(r.dav).padStart(4)}`);
  row('first (discovery, copy)', first);
  row('second (own writes echo)', echo);
  for (const [i, r] of idle.entries()) row(`no-change #${i + 1}`, r);
  console.log(
    '\nTarget: 3 EWS (one SyncFolderItems per folder) + one DAV PROPFIND per home (Nextcloud: 2 homes; Radicale: 1).',
  );
} finally {
  await scenario.close();
}
