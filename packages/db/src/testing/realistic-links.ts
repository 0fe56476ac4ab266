import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { StatusRow } from '@exsync/core';

/**
 * Status rows as the engine wrote them in real syncs, for measuring what `item_links` stores (issue 14):
 * - `simulatorEvents`: 100 events of `pnpm bench sync`'s mailbox (singles in five zones, every tenth a weekly
 *   series), read from the EWS simulator and written to Radicale;
 * - `simulatorGraphEvents`: the same mailbox's first 100 events read through the Graph face (longer raw objects: the
 *   event's JSON with its webLink, two timestamps and each id twice), captured later from `pnpm bench sync` with
 *   BENCH_EVENTS=100;
 * - `fixtureEvents`, `fixtureTasks`, `fixtureContacts`: the shared real-world fixtures (/work/shared/fixtures, other
 *   clients' .ics and .vcf files) that Radicale accepted, put into Radicale and synced into the EWS simulator.
 * Captured once (exsync at the commit that added this file) and kept: the store's coding must keep reading the
 * same rows into the same values, and their size is the regression bound.
 */
export interface RealisticLinks {
  readonly simulatorEvents: StatusRow[];
  readonly simulatorGraphEvents: StatusRow[];
  readonly fixtureEvents: StatusRow[];
  readonly fixtureTasks: StatusRow[];
  readonly fixtureContacts: StatusRow[];
}

export function realisticLinks(): RealisticLinks {
  const file = path.join(import.meta.dirname, 'realistic-links.json.gz');
  return JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as RealisticLinks;
}
