import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CollectionStore, capabilitiesMarkdown, type PimItem, projectItem, RejectedError } from '@exsync/core';
import { sampleContact, sampleEvent, sampleTask } from '@exsync/core/testing';
import { splitObjects, toModel } from '@exsync/pim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ewsCapabilities } from './capabilities';
import { EwsCollectionStore } from './ews-collection-store';
import { ALICE, type SimHarness, startSimulator } from './test-simulator';

/**
 * The capability tables are only worth what this test makes them: every real-world fixture is written through
 * EwsCollectionStore and read back, and what comes back must be exactly the table's projection of what was written.
 * A field that differs without the table saying so fails here.
 */
const FIXTURES = join(__dirname, '../../../../../shared/fixtures');
const files = (dir: string) => readdirSync(join(FIXTURES, dir)).map((f) => [f, join(FIXTURES, dir, f)] as const);
const mappable = (raw: string) =>
  /^BEGIN:(VCARD|VTODO)/im.test(raw) || (/^BEGIN:VEVENT/im.test(raw) && /^DTSTART[;:]/im.test(raw));

interface Sample {
  readonly name: string;
  readonly item: PimItem;
}

/** Shapes the fixtures lack: a group, and the normalisations issue 8 is about. */
const SYNTHETIC: readonly PimItem[] = [
  {
    kind: 'group',
    uid: 'g',
    name: 'Climbing',
    members: [{ email: 'ann@example.org', name: 'Ann' }, { email: 'bo@example.org' }, { uid: 'only-a-uid' }],
    notes: 'Thursdays',
    categories: ['Sport'],
  },
  sampleContact('synthetic-contact', {
    name: { prefix: 'Dr.', given: 'Ann', family: 'Lee', suffix: 'PhD' },
    birthday: { month: 2, day: 29 },
    anniversary: { year: 2001, month: 6, day: 1 },
    role: 'Lead',
    organization: { name: 'Acme', units: ['Research', 'Lab 2'] },
    emails: ['a', 'b', 'c', 'd'].map((x) => ({ value: `${x}@example.org`, types: ['work'], pref: 1 })),
    phones: [
      { value: '1', types: ['work', 'voice'] },
      { value: '2', types: ['work', 'fax'] },
      { value: '3', types: ['cell'] },
      { value: '4', types: ['cell'] },
      { value: '5', types: ['home', 'fax'] },
      { value: '6', types: ['pager'] },
    ],
    urls: [
      { value: 'https://a.example', types: ['home'] },
      { value: 'https://b.example', types: [] },
    ],
  }),
  sampleEvent('synthetic-duration', '2030-05-06T07:00:00Z', {
    start: { kind: 'zoned', dateTime: '2030-05-06T09:00:00', tzid: 'Europe/Berlin' },
    end: undefined,
    duration: 'P1DT1H45M',
    recurrence: {
      freq: 'DAILY',
      byDay: (['MO', 'TU', 'WE', 'TH', 'FR'] as const).map((day) => ({ day })),
      until: { kind: 'utc', dateTime: '2030-06-01T07:00:00Z' },
    },
    attendees: [
      { email: 'chair@example.org', role: 'chair', status: 'accepted', rsvp: true },
      { email: 'room@example.org', name: 'Room 1', role: 'required', status: 'accepted', kind: 'room' },
      { email: 'opt@example.org', name: 'Opt', role: 'non-participant', status: 'declined' },
    ],
    reminders: [
      { action: 'email', trigger: { relative: '-PT10M', related: 'end' } },
      { action: 'audio', trigger: { relative: '-P1DT2H' } },
    ],
  }),
  sampleTask('synthetic-task', {
    start: { kind: 'utc', dateTime: '2030-05-06T15:30:00Z' },
    due: { kind: 'zoned', dateTime: '2030-05-08T23:30:00', tzid: 'Asia/Tokyo' },
    status: 'cancelled',
    percentComplete: 40,
    recurrence: { freq: 'MONTHLY', interval: 2 },
    reminders: [{ action: 'display', trigger: { relative: '-PT1H' } }],
    parentUid: 'parent',
    url: 'https://tasks.example/1',
  }),
];

function samples(): Sample[] {
  const out: Sample[] = SYNTHETIC.map((item, i) => ({ name: `synthetic#${i}`, item: { ...item, uid: `rt-s${i}` } }));
  for (const [file, path] of [...files('ics'), ...files('vcf')]) {
    for (const [i, raw] of splitObjects(readFileSync(path)).filter(mappable).entries()) {
      const item = toModel(raw);
      // Fixtures share UIDs; the round trip is about content, so each gets its own.
      out.push({ name: `${file}#${i}`, item: { ...item, uid: `rt-${out.length}` } as PimItem });
    }
  }
  return out;
}

/** JSON with undefined members dropped and keys sorted: the engine's notion of "the same". */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(
          Object.entries(x)
            .filter(([, y]) => y !== undefined)
            .sort(([a], [b]) => a.localeCompare(b)),
        )
      : x,
  );
}

const isEmpty = (v: unknown) => v === undefined || (Array.isArray(v) && v.length === 0);

const CAPS = ewsCapabilities(ALICE);
let h: SimHarness;
const stores = new Map<string, CollectionStore>();

beforeAll(async () => {
  h = await startSimulator();
  for (const kind of ['calendar', 'tasks', 'addressbook'] as const) {
    const folder = h.sim.store.createFolder(ALICE, {
      kind: kind === 'addressbook' ? 'contacts' : kind,
      displayName: `round trip ${kind}`,
    });
    // A shared two-core machine can take longer than the harness's 3 s for a series with dozens of exceptions.
    stores.set(kind, new EwsCollectionStore({ ...h.config({ id: folder.id, kind }), timeoutMs: 30_000 }));
  }
});
afterAll(() => h?.close());

const storeFor = (item: PimItem) =>
  stores.get(item.kind === 'event' ? 'calendar' : item.kind === 'task' ? 'tasks' : 'addressbook') as CollectionStore;

describe('EWS capability tables', () => {
  it('declare every difference a write and a read through Exchange make, on every fixture', async () => {
    const all = samples();
    const undeclared: string[] = [];
    const refused: string[] = [];
    const declared = new Map<string, number>();
    const kinds = new Map<string, number>();
    for (const { name, item } of all) {
      const store = storeFor(item);
      let href: string;
      try {
        href = (await store.create(item, { marker: 'm' })).ref.href;
      } catch (error) {
        // Only what EWS cannot express may be refused, and it must say so.
        if (!(error instanceof RejectedError) || error.reason !== 'unsupported') throw error;
        refused.push(`${name}: ${error.message}`);
        continue;
      }
      kinds.set(item.kind, (kinds.get(item.kind) ?? 0) + 1);
      let read: PimItem | undefined;
      for await (const r of store.getMany([href])) if (r.found) read = r.fetched.item;
      if (!read) throw new Error(`${name} was created but cannot be read`);
      const expected = projectItem(CAPS, item) as unknown as Record<string, unknown>;
      const got = read as unknown as Record<string, unknown>;
      const original = item as unknown as Record<string, unknown>;
      const table = CAPS[item.kind] as Record<string, { held: string }> | undefined;
      for (const field of new Set([...Object.keys(expected), ...Object.keys(got)])) {
        if (field === 'uid') continue;
        // A field the store does not hold reads as its empty form (none, or an empty list).
        if (table?.[field]?.held === 'not-held') {
          if (!isEmpty(got[field]))
            undeclared.push(`${name} ${item.kind}.${field}: not held, yet read ${canonical(got[field])}`);
          else if (!isEmpty(original[field]))
            declared.set(`${item.kind}.${field}`, (declared.get(`${item.kind}.${field}`) ?? 0) + 1);
          continue;
        }
        if (canonical(got[field]) !== canonical(expected[field])) {
          undeclared.push(
            `${name} ${item.kind}.${field}: read ${canonical(got[field])}, table says ${canonical(expected[field])}`,
          );
        } else if (canonical(got[field]) !== canonical(original[field])) {
          declared.set(`${item.kind}.${field}`, (declared.get(`${item.kind}.${field}`) ?? 0) + 1);
        }
      }
    }
    const counts = [...kinds].map(([k, c]) => `${c} ${k}s`).join(', ');
    console.log(
      `EWS round trip: ${all.length} fixture items (${counts}), ${refused.length} refused as unsupported, ` +
        `${[...declared.values()].reduce((a, b) => a + b, 0)} declared field changes, ${undeclared.length} undeclared`,
    );
    expect(undeclared.join('\n')).toBe('');
    // Refusals are rare: a rule Exchange's patterns cannot hold, or an event that ends before it starts.
    console.log(refused.map((r) => `  refused ${r}`).join('\n'));
    expect(refused.length).toBeLessThan(5);
    for (const r of refused) expect(r).toMatch(/cannot hold/);
    expect(kinds.get('event')).toBeGreaterThan(20);
    expect(kinds.get('task')).toBeGreaterThan(3);
    expect(kinds.get('contact')).toBeGreaterThan(15);
    expect(kinds.get('group')).toBe(1);
    // Some fixtures are long series with dozens of exceptions, each a few EWS calls.
  }, 240_000);

  it('render as Markdown with a row for every field of every kind, saying how or why when not plainly held', () => {
    const md = capabilitiesMarkdown(CAPS);
    for (const kind of ['event', 'task', 'contact', 'group'] as const) {
      for (const [field, holding] of Object.entries(CAPS[kind] ?? {})) {
        const line = md.split('\n').find((l) => l.startsWith(`| \`${field}\` |`) && md.indexOf(l) >= 0);
        expect(line, `${kind}.${field}`).toBeDefined();
        if (holding.held !== 'held') expect(line).toMatch(/\| [^|]{3,}/);
      }
    }
    expect(md).toContain('| `recurrenceDates` | not held | EWS has no RDATE');
  });
});
