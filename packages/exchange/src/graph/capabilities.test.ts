import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type PimItem, projectItem, RejectedError } from '@exsync/core';
import { splitObjects, toModel } from '@exsync/pim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphCollectionStore } from './graph-collection-store';
import { type GraphTestBed, startGraphTestBed } from './test-support';

// The project's real-world fixtures (never copied here), parsed by @exsync/pim into models.
const FIXTURES = join(__dirname, '../../../../../shared/fixtures');
const files = ['ics', 'vcf'].flatMap((dir) => readdirSync(join(FIXTURES, dir)).map((f) => join(FIXTURES, dir, f)));

let bed: GraphTestBed;
let stores: Record<'event' | 'task' | 'contact', GraphCollectionStore>;
const tally = { items: { event: 0, task: 0, contact: 0 }, refused: 0, normalised: 0 };

beforeAll(async () => {
  bed = await startGraphTestBed();
  stores = {
    event: (await bed.freshStore('calendar')).store,
    task: (await bed.freshStore('tasks')).store,
    contact: (await bed.freshStore('addressbook')).store,
  };
});
afterAll(async () => {
  const caps = stores.event.caps.holds ?? {};
  const counts = Object.entries(caps).map(([kind, table]) => {
    const holdings = Object.values(table as Record<string, { held: string }>).map((h) => h.held);
    const n = (h: string) => holdings.filter((x) => x === h).length;
    return `${kind} ${n('held')}/${n('normalised')}/${n('not-held')}`;
  });
  console.log(
    `Graph round trip: ${tally.items.event} events, ${tally.items.task} tasks, ${tally.items.contact} contacts read back as their tables project them (${tally.normalised} items differed from what was written, all declared); ${tally.refused} refused as unsupported; fields held/normalised/not held: ${counts.join(', ')}`,
  );
  await bed.close();
});

/** JSON without undefined members: a missing key and an undefined one are the same to the engine. */
const plain = (v: unknown) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

/** Writes the item, reads it back and lists the fields where the read differs from the table's projection. */
async function roundTrip(item: Exclude<PimItem, { kind: 'group' }>, label: string): Promise<string[]> {
  const store = stores[item.kind];
  let href: string;
  try {
    href = (await store.create(item, { marker: `m-${item.uid}` })).ref.href;
  } catch (error) {
    // What Exchange cannot hold (a rule outside its six patterns, an end before the start) is refused, never
    // approximated, with a message saying so.
    if (
      error instanceof RejectedError &&
      error.reason === 'unsupported' &&
      /^Exchange cannot hold/.test(error.message)
    ) {
      tally.refused += 1;
      return [];
    }
    throw error;
  }
  let read: PimItem | undefined;
  for await (const r of store.getMany([href])) if (r.found) read = r.fetched.item;
  if (!read) return [`${label}: not found after its create`];
  tally.items[item.kind] += 1;
  const expected = projectItem(store.caps.holds, item) as unknown as Record<string, unknown>;
  const got = read as unknown as Record<string, unknown>;
  const fields = new Set([...Object.keys(expected), ...Object.keys(got)].filter((k) => k !== 'uid'));
  const table = (store.caps.holds?.[item.kind] ?? {}) as Record<string, { held: string }>;
  // A field the store does not hold reads back in its empty form (none, or an empty list).
  const empty = (v: unknown) => v === undefined || (Array.isArray(v) && v.length === 0);
  const diffs = [...fields].filter((k) =>
    table[k]?.held === 'not-held'
      ? !empty(got[k])
      : JSON.stringify(plain(expected[k])) !== JSON.stringify(plain(got[k])),
  );
  if (JSON.stringify(plain(item)) !== JSON.stringify(plain({ ...read, uid: item.uid }))) tally.normalised += 1;
  return diffs.map(
    (k) => `${label} ${k}: projected ${JSON.stringify(plain(expected[k]))}, read ${JSON.stringify(plain(got[k]))}`,
  );
}

describe('Graph capability tables: every fixture item reads back exactly as projectItem(caps, written)', () => {
  for (const path of files) {
    const name = path.slice(FIXTURES.length + 1);
    it(name, async () => {
      const diffs: string[] = [];
      for (const [i, raw] of splitObjects(readFileSync(path)).entries()) {
        let item: PimItem;
        try {
          item = toModel(raw);
        } catch {
          continue; // an iTIP fragment without DTSTART, a journal: pim's own fixture test covers these
        }
        if (item.kind === 'group') continue; // Graph holds no contact groups (see capabilities.ts)
        // Fixtures repeat UIDs (iTIP sequences); each object is its own item here.
        diffs.push(...(await roundTrip({ ...item, uid: `${item.uid}#${name}#${i}` }, `#${i}`)));
      }
      if (process.env.GRAPH_DIFFS)
        require('node:fs').appendFileSync(process.env.GRAPH_DIFFS, diffs.map((d) => `${name} ${d}\n`).join(''));
      expect(diffs).toEqual([]);
    }, 60_000);
  }
});
