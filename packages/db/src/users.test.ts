import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOrCreatePair, rememberedPairs } from './collection-pairs';
import { isDatabaseError } from './errors';
import { migrate } from './migrator';
import { createRepositories, type Repositories } from './repositories';
import { createTestDatabase, type TestDatabase, testBackends } from './testing/test-database';
import type { UserInput } from './users';

function userInput(ncUserId: string, overrides: Partial<UserInput> = {}): UserInput {
  return {
    ncUserId,
    loginName: `${ncUserId}@example.org`,
    email: `${ncUserId}@example.org`,
    displayName: `User ${ncUserId}`,
    appPassword: { ciphertext: `sealed(${ncUserId})`, keyId: 'k1' },
    ...overrides,
  };
}

const many = (n: number, prefix = 'u') =>
  Array.from({ length: n }, (_, i) => userInput(`${prefix}${String(i).padStart(4, '0')}`));

describe.each(testBackends)('user repository (%s)', (kind) => {
  let test: TestDatabase;
  let repos: Repositories;
  const newTenant = async () => (await repos.tenants.create({ name: 'acme', nextcloudUrl: 'https://nc.example' })).id;

  beforeAll(async () => {
    test = await createTestDatabase(kind);
    await migrate(test.db);
    repos = createRepositories(test.db);
  });
  afterAll(async () => {
    await test?.dispose();
  });

  it('creates a user, then replaces it on the same ncUserId (PUT semantics), reporting which happened', async () => {
    const tenantId = await newTenant();
    const first = await repos.users.upsert(tenantId, userInput('alice', { mailbox: 'alice@corp.example' }));
    expect(first.created).toBe(true);
    expect(first.user).toMatchObject({ ncUserId: 'alice', mailbox: 'alice@corp.example', state: 'active' });

    const second = await repos.users.upsert(tenantId, userInput('alice', { displayName: 'Alice A.' }));
    expect(second.created).toBe(false);
    expect(second.user.id).toBe(first.user.id);
    expect(second.user).toMatchObject({ displayName: 'Alice A.', mailbox: null });
    expect(await repos.users.getCredentials(tenantId, 'alice')).toEqual({ ciphertext: 'sealed(alice)', keyId: 'k1' });
  });

  it('never puts credentials into the user objects it returns', async () => {
    const tenantId = await newTenant();
    const { user } = await repos.users.upsert(tenantId, userInput('bob'));
    const page = await repos.users.list(tenantId);
    for (const shown of [user, await repos.users.get(tenantId, 'bob'), ...page.users]) {
      expect(JSON.stringify(shown)).not.toContain('sealed(bob)');
    }
  });

  it('lifts auth_required when a new app password arrives, and keeps other states', async () => {
    const tenantId = await newTenant();
    await repos.users.upsert(tenantId, userInput('carol'));
    await repos.users.upsert(tenantId, userInput('dave'));
    await repos.users.setState(tenantId, 'carol', 'auth_required', 'Nextcloud answered 401');
    await repos.users.setState(tenantId, 'dave', 'paused', 'paused by the admin');

    const carol = await repos.users.upsert(tenantId, userInput('carol'));
    const dave = await repos.users.upsert(tenantId, userInput('dave'));
    expect(carol.user).toMatchObject({ state: 'active', stateReason: null });
    expect(dave.user).toMatchObject({ state: 'paused', stateReason: 'paused by the admin' });
  });

  it('upserts 1,000 users in one call, and the same call again updates them all', async () => {
    const tenantId = await newTenant();
    const inputs = many(1000);
    const first = await repos.users.upsertMany(tenantId, inputs);
    expect(first).toMatchObject({ created: 1000, updated: 0 });
    expect(first.users.map((u) => u.user.ncUserId)).toEqual(inputs.map((u) => u.ncUserId));

    const second = await repos.users.upsertMany(tenantId, inputs);
    expect(second).toMatchObject({ created: 0, updated: 1000 });
    const [{ n }] = (await test.db.query<{ n: number }>('SELECT count(*)::int AS n FROM users WHERE tenant_id = $1', [
      tenantId,
    ])) as [{ n: number }];
    expect(n).toBe(1000);
  });

  it('writes nothing of a 1,000-user batch when the database refuses its last row', async () => {
    const tenantId = await newTenant();
    await repos.users.upsertMany(tenantId, many(10));
    // A trigger refuses the 1,000th row, after 10 updates and 989 inserts went through inside the statement.
    await test.db.query(`CREATE FUNCTION refuse_u0999() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'refused %', NEW.nc_user_id; END $$`);
    await test.db.query(`CREATE TRIGGER refuse_u0999 BEFORE INSERT OR UPDATE ON users
      FOR EACH ROW WHEN (NEW.nc_user_id = 'u0999') EXECUTE FUNCTION refuse_u0999()`);
    try {
      const batch = many(1000).map((u) => ({ ...u, displayName: 'changed' }));
      await expect(repos.users.upsertMany(tenantId, batch)).rejects.toThrow(/refused u0999/);
    } finally {
      await test.db.query('DROP TRIGGER refuse_u0999 ON users');
      await test.db.query('DROP FUNCTION refuse_u0999()');
    }
    const rows = await test.db.query<{ nc_user_id: string; display_name: string }>(
      'SELECT nc_user_id, display_name FROM users WHERE tenant_id = $1 ORDER BY nc_user_id',
      [tenantId],
    );
    expect(rows).toHaveLength(10);
    expect(rows.every((r) => r.display_name.startsWith('User '))).toBe(true);
  });

  it('refuses a batch naming one user twice, or with a missing field, before writing anything', async () => {
    const tenantId = await newTenant();
    const twice = await repos.users
      .upsertMany(tenantId, [userInput('x'), userInput('y'), userInput('x')])
      .catch((e: unknown) => e);
    expect(isDatabaseError(twice, 'invalid_input')).toBe(true);
    expect((twice as Error).message).toContain('users[2].ncUserId');

    const missing = await repos.users
      .upsertMany(tenantId, [userInput('z', { loginName: '' })])
      .catch((e: unknown) => e);
    expect(isDatabaseError(missing, 'invalid_input')).toBe(true);
    expect((await repos.users.list(tenantId)).users).toEqual([]);
  });

  it('refuses users for a tenant that does not exist with not_found', async () => {
    for (const tenantId of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const error = await repos.users.upsert(tenantId, userInput('eve')).catch((e: unknown) => e);
      expect(isDatabaseError(error, 'not_found')).toBe(true);
    }
  });

  it('pages through users by cursor, and filters by state', async () => {
    const tenantId = await newTenant();
    await repos.users.upsertMany(tenantId, many(250));
    await repos.users.setState(tenantId, 'u0007', 'error', 'boom');
    await repos.users.setState(tenantId, 'u0200', 'throttled');

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await repos.users.list(tenantId, { limit: 100, cursor });
      seen.push(...page.users.map((u) => u.ncUserId));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(many(250).map((u) => u.ncUserId));

    expect(await repos.users.countByState(tenantId)).toEqual({
      active: 248,
      paused: 0,
      auth_required: 0,
      throttled: 1,
      error: 1,
      needs_review: 0,
    });
    const troubled = await repos.users.list(tenantId, { state: ['error', 'throttled'] });
    expect(troubled.users.map((u) => [u.ncUserId, u.state])).toEqual([
      ['u0007', 'error'],
      ['u0200', 'throttled'],
    ]);
    expect(troubled.nextCursor).toBeNull();
  });

  it('searches ncUserId, display name, e-mail and mailbox by case-insensitive substring, % and _ literally', async () => {
    const tenantId = await newTenant();
    await repos.users.upsertMany(tenantId, [
      ...many(30),
      userInput('anna', { displayName: 'Anna Müller', email: 'a.mueller@cloud.example' }),
      userInput('bert', { displayName: null, email: 'bert@cloud.example', mailbox: 'b.schmidt@corp.example' }),
      userInput('c_d', { displayName: '100% Carl' }),
    ]);
    const find = async (search: string, extra: Parameters<typeof repos.users.list>[1] = {}) =>
      (await repos.users.list(tenantId, { search, ...extra })).users.map((u) => u.ncUserId);
    expect(await find('MÜLLER')).toEqual(['anna']);
    expect(await find('SCHMIDT@corp')).toEqual(['bert']);
    expect(await find('mueller@')).toEqual(['anna']);
    expect(await find('u001')).toEqual(Array.from({ length: 10 }, (_, i) => `u001${i}`));
    // Pattern characters are themselves: "_" is not "any character", "%" not "anything".
    expect(await find('c_d')).toEqual(['c_d']);
    expect(await find('0%')).toEqual(['c_d']);
    expect(await find('u_0')).toEqual([]);
    // A search pages like any listing.
    const first = await repos.users.list(tenantId, { search: 'user u0', limit: 20 });
    expect(first.users).toHaveLength(20);
    const second = await repos.users.list(tenantId, { search: 'user u0', limit: 20, cursor: first.nextCursor });
    expect(second.users.map((u) => u.ncUserId)).toEqual(
      many(30)
        .slice(20)
        .map((u) => u.ncUserId),
    );
    expect(second.nextCursor).toBeNull();
  });

  it('sorts by display name, state, last success or last attempt, either way, and pages every sort without gaps or repeats', async () => {
    const tenantId = await newTenant();
    const users = Array.from({ length: 45 }, (_, i) =>
      userInput(`p${String(i).padStart(2, '0')}`, {
        displayName: i % 9 === 0 ? null : `Name ${String(44 - i).padStart(2, '0')}`,
      }),
    );
    await repos.users.upsertMany(tenantId, users);
    for (const [i, u] of users.entries()) {
      if (i % 4 === 0) await repos.users.setState(tenantId, u.ncUserId, 'error', 'x');
      const { id } = (await repos.users.get(tenantId, u.ncUserId))!;
      if (i % 3 !== 0)
        await repos.users.recordSync(id, {
          state: i % 4 === 0 ? 'error' : 'active',
          code: null,
          reason: null,
          // Some attempts fail, so the last attempt and the last success sort users differently.
          succeeded: i % 5 !== 0,
        });
    }
    const all = await Promise.all(users.map(async (u) => (await repos.users.get(tenantId, u.ncUserId))!));
    const expected = {
      displayName: (u: (typeof all)[number]) => (u.displayName ?? u.ncUserId).toLowerCase(),
      state: (u: (typeof all)[number]) => u.state as string,
      lastSuccessAt: (u: (typeof all)[number]) => u.lastSyncAt?.getTime() ?? Number.NEGATIVE_INFINITY,
      lastAttemptAt: (u: (typeof all)[number]) => u.lastAttemptAt?.getTime() ?? Number.NEGATIVE_INFINITY,
      lastSyncAt: (u: (typeof all)[number]) => u.lastSyncAt?.getTime() ?? Number.NEGATIVE_INFINITY,
    };
    for (const [sort, keyOf] of Object.entries(expected) as [
      keyof typeof expected,
      (u: (typeof all)[number]) => string | number,
    ][]) {
      for (const order of ['asc', 'desc'] as const) {
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const page: Awaited<ReturnType<typeof repos.users.list>> = await repos.users.list(tenantId, {
            sort,
            order,
            limit: 7,
            cursor,
          });
          seen.push(...page.users.map((u) => u.ncUserId));
          cursor = page.nextCursor;
        } while (cursor);
        const want = [...all]
          .sort((a, b) => {
            const [ka, kb] = [keyOf(a), keyOf(b)];
            const c = ka < kb ? -1 : ka > kb ? 1 : a.ncUserId < b.ncUserId ? -1 : a.ncUserId > b.ncUserId ? 1 : 0;
            return order === 'asc' ? c : -c;
          })
          .map((u) => u.ncUserId);
        expect(seen, `${sort} ${order}`).toEqual(want);
      }
    }
    // A cursor continues only the listing it came from.
    const page = await repos.users.list(tenantId, { sort: 'state', limit: 5 });
    const other = await repos.users
      .list(tenantId, { sort: 'lastSyncAt', cursor: page.nextCursor })
      .catch((e: unknown) => e);
    expect(isDatabaseError(other, 'invalid_input')).toBe(true);
  });

  it('rejects a forged cursor, an unknown state and an out-of-range limit as invalid_input', async () => {
    const tenantId = await newTenant();
    const attempts = [
      () => repos.users.list(tenantId, { cursor: 'garbage!' }),
      () => repos.users.list(tenantId, { state: 'sleeping' as never }),
      () => repos.users.list(tenantId, { limit: 0 }),
      () => repos.users.list(tenantId, { limit: 1001 }),
      () => repos.users.list(tenantId, { sort: 'email' as never }),
      () => repos.users.list(tenantId, { search: 'x'.repeat(101) }),
    ];
    for (const attempt of attempts) {
      expect(isDatabaseError(await attempt().catch((e: unknown) => e), 'invalid_input')).toBe(true);
    }
  });

  it('keeps tenants apart: the same ncUserId in two tenants is two users', async () => {
    const a = await newTenant();
    const b = await newTenant();
    await repos.users.upsert(a, userInput('shared', { displayName: 'in A' }));
    await repos.users.upsert(b, userInput('shared', { displayName: 'in B' }));
    expect((await repos.users.get(a, 'shared'))?.displayName).toBe('in A');
    expect((await repos.users.get(b, 'shared'))?.displayName).toBe('in B');
    expect(await repos.users.delete(a, 'shared')).toBe(true);
    expect(await repos.users.get(b, 'shared')).not.toBeNull();
  });

  it('delete forgets credentials and all sync state of that user, and only of that user', async () => {
    const tenantId = await newTenant();
    const { user: gone } = await repos.users.upsert(tenantId, userInput('leaver'));
    const { user: stays } = await repos.users.upsert(tenantId, userInput('stayer'));
    const { prisma } = test.db;
    for (const user of [gone, stays]) {
      const pair = await prisma.collectionPair.create({
        data: { userId: user.id, kind: 'event', aCollectionId: 'calendar', bCollectionId: 'personal' },
      });
      await prisma.itemLink.create({
        data: { pairId: pair.id, identKey: 1n, aKey: 2n, bKey: 3n, head: new Uint8Array([2, 0]) },
      });
      await prisma.conflict.create({ data: { pairId: pair.id, ident: 'uid-1', resolution: 'a_wins' } });
      await prisma.quarantinedDeletion.create({
        data: { pairId: pair.id, ident: 'uid-1', side: 'b', href: 'b1', reason: 'mass delete' },
      });
      const run = await repos.syncRuns.start(user.id, pair.id);
      await repos.syncRuns.finish(run.id, { outcome: 'success', counts: { a_to_b: { create: 1 } } });
    }

    expect(await repos.users.delete(tenantId, 'leaver')).toBe(true);
    expect(await repos.users.delete(tenantId, 'leaver')).toBe(false);
    expect(await repos.users.get(tenantId, 'leaver')).toBeNull();
    expect(await repos.users.getCredentials(tenantId, 'leaver')).toBeNull();

    const counts = async (userId: string) =>
      (
        await test.db.query<Record<string, number>>(
          `SELECT (SELECT count(*)::int FROM collection_pairs WHERE user_id = $1) AS pairs,
                  (SELECT count(*)::int FROM item_links l JOIN collection_pairs p ON p.id = l.pair_id WHERE p.user_id = $1) AS links,
                  (SELECT count(*)::int FROM sync_runs WHERE user_id = $1) AS runs,
                  (SELECT count(*)::int FROM conflicts c JOIN collection_pairs p ON p.id = c.pair_id WHERE p.user_id = $1) AS conflicts,
                  (SELECT count(*)::int FROM quarantined_deletions q JOIN collection_pairs p ON p.id = q.pair_id WHERE p.user_id = $1) AS quarantined,
                  (SELECT count(*)::int FROM item_links) AS all_links`,
          [userId],
        )
      )[0]!;
    expect(await counts(gone.id)).toMatchObject({ pairs: 0, links: 0, runs: 0, conflicts: 0, quarantined: 0 });
    expect(await counts(stays.id)).toMatchObject({ pairs: 1, links: 1, runs: 1, conflicts: 1, quarantined: 1 });
    const orphans = await test.db.query(
      'SELECT ident_key FROM item_links WHERE pair_id NOT IN (SELECT id FROM collection_pairs)',
    );
    expect(orphans).toEqual([]);
  });

  it('setState on an unknown user is not_found', async () => {
    const tenantId = await newTenant();
    const error = await repos.users.setState(tenantId, 'nobody', 'paused').catch((e: unknown) => e);
    expect(isDatabaseError(error, 'not_found')).toBe(true);
  });

  it('recordSync: state, code and reason; lastSyncAt only on success; a paused user stays paused', async () => {
    const tenantId = await newTenant();
    const { user } = await repos.users.upsert(tenantId, userInput('rec'));
    await repos.users.recordSync(user.id, { state: 'active', code: null, reason: null, succeeded: true });
    const ok = (await repos.users.get(tenantId, 'rec'))!;
    expect(ok.lastSyncAt).not.toBeNull();
    await repos.users.recordSync(user.id, {
      state: 'error',
      code: 'exchange_mailbox_not_found',
      reason: 'no mailbox',
      succeeded: false,
    });
    const failed = (await repos.users.get(tenantId, 'rec'))!;
    expect(failed).toMatchObject({
      state: 'error',
      stateCode: 'exchange_mailbox_not_found',
      stateReason: 'no mailbox',
    });
    expect(failed.lastSyncAt).toEqual(ok.lastSyncAt);
    await repos.users.setState(tenantId, 'rec', 'paused', 'Paused by an administrator.', 'paused');
    await repos.users.recordSync(user.id, { state: 'active', code: null, reason: null, succeeded: true });
    expect(await repos.users.get(tenantId, 'rec')).toMatchObject({ state: 'paused', stateCode: 'paused' });
  });

  it("recordSync writes the sync's quiet runs in the same statement, finished successes under its sync id", async () => {
    const tenantId = await newTenant();
    const { user } = await repos.users.upsert(tenantId, userInput('quiet'));
    const pair = (kind: 'event' | 'contact') =>
      findOrCreatePair(test.db, { userId: user.id, kind, aCollectionId: `ews:${kind}`, bCollectionId: `/${kind}/` });
    const [events, contacts] = [await pair('event'), await pair('contact')];
    const syncId = '00000000-0000-4000-8000-00000000e0e0';
    const startedAt = new Date(Date.UTC(2020, 0, 1));
    await repos.users.recordSync(
      user.id,
      { state: 'active', code: null, reason: null, succeeded: true },
      {
        syncId,
        runs: [
          { pairId: events, startedAt, requests: { exchange: 1, nextcloud: 1 } },
          {
            pairId: contacts,
            startedAt: new Date(startedAt.getTime() + 1000),
            requests: { exchange: 1, nextcloud: 0 },
          },
        ],
      },
    );
    expect((await repos.users.get(tenantId, 'quiet'))?.lastSyncAt).not.toBeNull();
    expect(await repos.syncRuns.lastSync(user.id)).toMatchObject({
      syncId,
      outcome: 'success',
      counts: {},
      requests: { exchange: 2, nextcloud: 1 },
      parts: [
        { kind: 'event', outcome: 'success', requests: { exchange: 1, nextcloud: 1 } },
        { kind: 'contact', outcome: 'success', requests: { exchange: 1, nextcloud: 0 } },
      ],
    });
    // A person's pause keeps the user paused; the runs that did happen are still recorded.
    await repos.users.setState(tenantId, 'quiet', 'paused', 'Paused by an administrator.', 'paused');
    const later = '00000000-0000-4000-8000-00000000e0e1';
    await repos.users.recordSync(
      user.id,
      { state: 'active', code: null, reason: null, succeeded: true },
      { syncId: later, runs: [{ pairId: events, startedAt: new Date(), requests: { exchange: 1, nextcloud: 1 } }] },
    );
    expect(await repos.users.get(tenantId, 'quiet')).toMatchObject({ state: 'paused' });
    expect((await repos.syncRuns.lastSync(user.id))?.syncId).toBe(later);
  });

  it('lastSync folds the runs of the newest sync: counts summed, worst outcome, first start to last finish', async () => {
    const tenantId = await newTenant();
    const { user } = await repos.users.upsert(tenantId, userInput('folded'));
    const { prisma } = test.db;
    const at = (s: number) => new Date(Date.UTC(2030, 0, 1, 0, 0, s));
    const older = '00000000-0000-4000-8000-000000000001';
    const newer = '00000000-0000-4000-8000-000000000002';
    await prisma.syncRun.createMany({
      data: [
        { userId: user.id, syncId: older, startedAt: at(0), finishedAt: at(1), outcome: 'success' },
        {
          userId: user.id,
          syncId: newer,
          startedAt: at(10),
          finishedAt: at(12),
          outcome: 'success',
          counts: { a_to_b: { create: 2 } },
        },
        {
          userId: user.id,
          syncId: newer,
          startedAt: at(13),
          finishedAt: at(15),
          outcome: 'partial',
          counts: { a_to_b: { create: 1 }, b_to_a: { update: 1 } },
          error: 't1: RetryableError: 503',
        },
      ],
    });
    expect(await repos.syncRuns.lastSync(user.id)).toMatchObject({
      syncId: newer,
      startedAt: at(10),
      finishedAt: at(15),
      outcome: 'partial',
      counts: { a_to_b: { create: 3 }, b_to_a: { update: 1 } },
      error: 't1: RetryableError: 503',
    });
  });

  it('lastSync keeps each run of the sync as a part (kind, outcome, counts, requests) and sums the requests', async () => {
    const tenantId = await newTenant();
    const { user } = await repos.users.upsert(tenantId, userInput('parts'));
    const sync = '00000000-0000-4000-8000-00000000aa01';
    const events = await findOrCreatePair(test.db, {
      userId: user.id,
      kind: 'event',
      aCollectionId: 'a-e',
      bCollectionId: 'b-e',
    });
    const tasks = await findOrCreatePair(test.db, {
      userId: user.id,
      kind: 'task',
      aCollectionId: 'a-t',
      bCollectionId: 'b-t',
    });
    const at = (s: number) => new Date(Date.UTC(2031, 0, 1, 0, 0, s));
    await test.db.prisma.syncRun.createMany({
      data: [
        {
          userId: user.id,
          pairId: events,
          syncId: sync,
          startedAt: at(0),
          finishedAt: at(2),
          outcome: 'success',
          counts: { a_to_b: { create: 2 } },
        },
        {
          userId: user.id,
          pairId: tasks,
          syncId: sync,
          startedAt: at(3),
          finishedAt: at(4),
          outcome: 'failed',
          error: 'boom',
          itemErrors: [{ item: 'Buy milk', ident: 't1', side: 'b', reason: 'refused', code: 'rejected' }],
        },
      ],
    });
    await repos.syncRuns.recordRequests(events, sync, { exchange: 1, nextcloud: 2 });
    await repos.syncRuns.recordRequests(tasks, sync, { exchange: 3, nextcloud: 0 });
    const summary = await repos.syncRuns.lastSync(user.id);
    const refused = { item: 'Buy milk', ident: 't1', side: 'b', reason: 'refused', code: 'rejected' };
    expect(summary).toMatchObject({
      syncId: sync,
      outcome: 'failed',
      requests: { exchange: 4, nextcloud: 2 },
      itemErrors: [refused], // every run's, gathered
    });
    expect(summary?.parts).toEqual([
      {
        kind: 'event',
        startedAt: at(0),
        finishedAt: at(2),
        outcome: 'success',
        counts: { a_to_b: { create: 2 } },
        requests: { exchange: 1, nextcloud: 2 },
        error: null,
        itemErrors: [],
      },
      {
        kind: 'task',
        startedAt: at(3),
        finishedAt: at(4),
        outcome: 'failed',
        counts: {},
        requests: { exchange: 3, nextcloud: 0 },
        error: 'boom',
        itemErrors: [refused],
      },
    ]);
  });

  it("remembers a pair's collections, and whether its newest run failed (then they are looked up again)", async () => {
    const tenantId = await newTenant();
    const { user } = await repos.users.upsert(tenantId, userInput('remembered'));
    const pair = await findOrCreatePair(test.db, {
      userId: user.id,
      kind: 'event',
      aCollectionId: 'graph:x:F1',
      bCollectionId: 'https://dav/c/',
    });
    expect(await rememberedPairs(test.db, user.id)).toEqual([
      {
        id: pair,
        kind: 'event',
        aCollectionId: 'graph:x:F1',
        bCollectionId: 'https://dav/c/',
        bSyncToken: null,
        lastRunFailed: false,
        lastRunRunning: false,
      },
    ]);
    const at = (s: number) => new Date(Date.UTC(2031, 0, 2, 0, 0, s));
    await test.db.prisma.syncRun.create({
      data: { userId: user.id, pairId: pair, startedAt: at(0), finishedAt: at(1), outcome: 'failed' },
    });
    expect((await rememberedPairs(test.db, user.id))[0]?.lastRunFailed).toBe(true);
    await test.db.prisma.syncRun.create({
      data: { userId: user.id, pairId: pair, startedAt: at(5), finishedAt: at(6), outcome: 'success' },
    });
    expect((await rememberedPairs(test.db, user.id))[0]?.lastRunFailed).toBe(false);
  });
});
