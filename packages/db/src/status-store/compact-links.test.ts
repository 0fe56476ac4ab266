import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { StatusRow } from '@exsync/core';
import { sampleTask } from '@exsync/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultMigrationsDir, migrate } from '../migrator';
import type { Database } from '../open-database';
import { realisticLinks } from '../testing/realistic-links';
import { createTestDatabase, type TestDatabase, testBackends } from '../testing/test-database';
import { linkKey } from './link-codec';
import { packLink } from './packed-link';
import { PrismaStatusStore } from './prisma-status-store';

/** The migration that introduced the compact shape: rows from before it are what an upgrade finds. */
const COMPACT_MIGRATION = '20261207033000_item_links_keys';

async function newPair(db: Database, kind: 'event' | 'task' | 'contact' = 'task'): Promise<string> {
  const n = Math.random().toString(36).slice(2);
  const [pair] = await db.query<{ id: string }>(
    `WITH t AS (INSERT INTO tenants (name, nextcloud_url, updated_at) VALUES ('t', 'https://cloud.example.org', now())
                RETURNING id),
          u AS (INSERT INTO users (tenant_id, nc_user_id, login_name, app_password_ciphertext, app_password_key_id,
                  updated_at) SELECT id, $1, $1, 'x', 'k', now() FROM t RETURNING id)
     INSERT INTO collection_pairs (user_id, kind, a_collection_id, b_collection_id, updated_at)
       SELECT id, $2::item_kind, $1, $1, now() FROM u RETURNING id`,
    [`u-${n}`, kind],
  );
  return pair!.id;
}

const byIdent = (x: StatusRow, y: StatusRow) => (x.ident < y.ident ? -1 : x.ident > y.ident ? 1 : 0);

/** Plain values (the store's rows compute some fields on first read). */
const plain = (rows: readonly StatusRow[]) => JSON.parse(JSON.stringify(rows)) as StatusRow[];

describe.each(testBackends)('item_links rows written before the compact shape (%s)', (kind) => {
  let test: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    test = await createTestDatabase(kind);
    // The schema as it was before the compact shape: every migration up to it.
    dir = await mkdtemp(path.join(tmpdir(), 'exsync-migrations-'));
    for (const name of await readdir(defaultMigrationsDir)) {
      if (name < COMPACT_MIGRATION || name === 'migration_lock.toml') {
        await cp(path.join(defaultMigrationsDir, name), path.join(dir, name), { recursive: true });
      }
    }
    await migrate(test.db, { migrationsDir: dir });
  });
  afterAll(async () => {
    await test?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  // Non-ASCII ids: the migration's SQL must key them exactly as the service does (SHA-256 of the UTF-8).
  const base = sampleTask('t1 – €', { summary: 'Lunch' });
  const oldest: StatusRow = {
    ident: 't1 – €',
    a: { href: '/a/t1 – ü', version: '"1"', hash: 'ha', raw: 'BEGIN:VCALENDAR\r\nSUMMARY:Lunch – €\r\n' },
    b: { href: '/b/t1', version: 'ck-1', hash: 'hb', raw: '{"subject":"Lunch"}' },
    base,
  };
  const packed: StatusRow = {
    ident: 't2',
    a: { href: '/a/t2', version: '"2"', hash: 'ha2', raw: 'BEGIN:VCALENDAR\r\nSUMMARY:Tea\r\n' },
    b: { href: '/b/t2', version: 'ck-2', hash: 'hb2', raw: '{"subject":"Tea"}' },
    base: sampleTask('t2', { summary: 'Tea' }),
    dormant: true,
  };

  it('reads them after the migration, rewrites them compact on that read, and keys them as new rows', async () => {
    const pair = await newPair(test.db);
    // Before `packed`: base and raw objects in columns of their own.
    await test.db.query(
      `INSERT INTO item_links (pair_id, ident, a_href, a_version, a_hash, a_raw, b_href, b_version, b_hash, b_raw,
         base, updated_at)
       VALUES ($1::uuid, $2, $3, '"1"', 'ha', $4, '/b/t1', 'ck-1', 'hb', $5, $6::jsonb, now())`,
      [pair, oldest.ident, oldest.a!.href, oldest.a!.raw, oldest.b!.raw, JSON.stringify(base)],
    );
    // `packed` (version 1): the three deflated together.
    await test.db.query(
      `INSERT INTO item_links (pair_id, ident, a_href, a_version, a_hash, b_href, b_version, b_hash, packed, dormant,
         updated_at)
       VALUES ($1::uuid, 't2', '/a/t2', '"2"', 'ha2', '/b/t2', 'ck-2', 'hb2', decode($2, 'base64'), true, now())`,
      [pair, packLink({ base: packed.base, aRaw: packed.a!.raw, bRaw: packed.b!.raw })!.toString('base64')],
    );
    await migrate(test.db);

    const keys = await test.db.query<{ ident: string; ident_key: string; a_key: string; b_key: string }>(
      'SELECT ident, ident_key::text, a_key::text, b_key::text FROM item_links WHERE pair_id = $1::uuid ORDER BY 1',
      [pair],
    );
    expect(keys).toEqual(
      [oldest, packed].map((r) => ({
        ident: r.ident,
        ident_key: linkKey(r.ident),
        a_key: linkKey(r.a!.href),
        b_key: linkKey(r.b!.href),
      })),
    );

    const store = new PrismaStatusStore(test.db);
    expect(plain(await store.rows(pair))).toEqual([oldest, packed]);
    // That read rewrote both in the compact shape, old columns emptied; they read back the same.
    const stored = await test.db.query<Record<string, unknown>>(
      `SELECT head IS NOT NULL AS compact, ident, a_href, a_raw, b_raw, base, packed FROM item_links
        WHERE pair_id = $1::uuid`,
      [pair],
    );
    expect(stored).toEqual(
      [1, 2].map(() => ({
        compact: true,
        ident: null,
        a_href: null,
        a_raw: null,
        b_raw: null,
        base: null,
        packed: null,
      })),
    );
    expect(plain(await store.rows(pair))).toEqual([oldest, packed]);

    // Written again under the same ident and hrefs: the same row (the keys agree), not a second one.
    const next = { ...oldest, a: { ...oldest.a!, version: '"3"' } };
    await store.transaction(pair, async (tx) => {
      await tx.put(next);
      await tx.drop('t2');
    });
    expect(plain(await store.rows(pair))).toEqual([next]);
  });
});

/**
 * What one synced item costs in `item_links`, counted from what is stored (deterministic, no page layout): the heap
 * tuple (pg_column_size of the row, aligned to 8, plus its 4-byte line pointer), one B-tree entry per index (8-byte
 * tuple header, the aligned key, a line pointer) and the pair's reference shared out over its rows.
 */
async function bytesPerItem(db: Database, pair: string): Promise<number> {
  const [size] = await db.query<{ bytes: number; rows: number }>(
    `SELECT (sum(((pg_column_size(l.*) + 7) / 8) * 8 + 4
              + 3 * (8 + 4) + ((pg_column_size(l.pair_id) + pg_column_size(l.ident_key) + 7) / 8) * 8
              + ((pg_column_size(l.pair_id) + coalesce(pg_column_size(l.a_key), 0) + 7) / 8) * 8
              + ((pg_column_size(l.pair_id) + coalesce(pg_column_size(l.b_key), 0) + 7) / 8) * 8)
             + (SELECT pg_column_size(link_reference) FROM collection_pairs WHERE id = $1::uuid))::int AS bytes,
            count(*)::int AS rows
       FROM item_links l WHERE l.pair_id = $1::uuid`,
    [pair],
  );
  return size!.bytes / size!.rows;
}

describe.each(testBackends)('item_links bytes per item on realistic rows (%s)', (kind) => {
  let test: TestDatabase;
  const links = realisticLinks();
  beforeAll(async () => {
    test = await createTestDatabase(kind);
    await migrate(test.db);
  });
  afterAll(async () => {
    await test?.dispose();
  });

  async function stored(rows: readonly StatusRow[], pairKind: 'event' | 'task' | 'contact') {
    const pair = await newPair(test.db, pairKind);
    const store = new PrismaStatusStore(test.db);
    // As the engine writes a first sync, a page at a time: the page's pending creates (one side, no reference can
    // be made of them yet), then its rows with both sides (the first becomes the pair's reference).
    for (let i = 0; i < rows.length; i += 100) {
      const page = rows.slice(i, i + 100);
      const pending = page.map(({ b: _, ...row }): StatusRow => ({ ...row, pendingCreate: 'b' }));
      await store.transaction(pair, async (tx) => {
        for (const row of pending) await tx.put(row);
      });
      if (i === 0) expect(plain(await store.rows(pair))).toEqual(plain(pending.sort(byIdent)));
      await store.transaction(pair, async (tx) => {
        for (const row of page) await tx.put(row);
      });
    }
    expect(plain(await store.rows(pair))).toEqual(plain([...rows].sort(byIdent)));
    return bytesPerItem(test.db, pair);
  }

  it('keeps raw objects that hold NULs (delimited by lengths then) and a side without its raw', async () => {
    const pair = await newPair(test.db);
    const store = new PrismaStatusStore(test.db);
    const odd: StatusRow[] = [
      { ident: 'n1', a: { href: '/a/n1', version: '1', hash: '', raw: 'x\u0000y' }, base: sampleTask('n1') },
      { ident: 'n2', b: { href: '/b/n2', version: '2', hash: 'ABC', raw: '' }, pendingCreate: 'a' },
    ];
    await store.transaction(pair, async (tx) => {
      for (const row of odd) await tx.put(row);
    });
    expect(plain(await store.rows(pair))).toEqual(odd);
  });

  it("holds the sync benchmark's EWS events in at most 600 bytes each, ids, objects and indexes included", async () => {
    expect(await stored(links.simulatorEvents, 'event')).toBeLessThanOrEqual(600);
  });

  // Mixed producers (each fixture from another client, so the pair's reference helps less) and small pairs (each
  // pays an equal share of its reference): bounded against their plain text. Contacts carry photos, which no coding
  // shrinks much: stored once instead of three times is what is left to win there.
  it('holds the real-world fixtures (events, tasks, contacts) in well under their plain size', async () => {
    for (const [rows, pairKind, share] of [
      [links.fixtureEvents, 'event', 0.25],
      [links.fixtureTasks, 'task', 0.4],
      [links.fixtureContacts, 'contact', 0.7],
    ] as const) {
      const text = rows.reduce((n, r) => n + Buffer.byteLength(JSON.stringify(r)), 0) / rows.length;
      expect(await stored(rows, pairKind)).toBeLessThan(text * share);
    }
  });
});
