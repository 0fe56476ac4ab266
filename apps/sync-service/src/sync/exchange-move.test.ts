import type { SideStatus } from '@exsync/core';
import { findOrCreatePair, PrismaStatusStore } from '@exsync/db';
import type { PortableIdentities, PortableIdentity } from '@exsync/exchange';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTenant, startTestApp, type TestApp } from '../testing/harness';
import { followExchangeMove } from './exchange-move';

/** The pair follows its Exchange folder to new ids, and each link its item — never a guess, never twice. */
let t: TestApp;
let userId: string;
let status: PrismaStatusStore;
const B = 'https://cloud.example.org/remote.php/dav/addressbooks/users/alice/exchange-contacts/';
const side = (href: string): SideStatus => ({ href, version: 'ck', hash: 'h', raw: '{"uid":null}' });

function identities(items: PortableIdentity[]): PortableIdentities {
  return {
    async *identities() {
      yield* items;
    },
    adoptUids: async () => 0,
  };
}

beforeAll(async () => {
  t = await startTestApp();
  const tenant = await createTenant(t, 'Movers');
  await t.app.inject({
    method: 'PUT',
    url: '/v1/users/alice',
    headers: bearer(tenant.key),
    payload: { loginName: 'alice', appPassword: 'pw', mailbox: 'alice@contoso.com' },
  });
  const [row] = await t.db.query<{ id: string }>("SELECT id FROM users WHERE nc_user_id = 'alice'");
  userId = row?.id ?? '';
  status = new PrismaStatusStore(t.db);
}, 60_000);
afterAll(() => t?.close());

describe('followExchangeMove', () => {
  it('moves the pair and re-keys each link by marker or UID; an ambiguous or missing key leaves the link dormant', async () => {
    const pair = await findOrCreatePair(t.db, {
      userId,
      kind: 'contact',
      aCollectionId: 'ews:alice@contoso.com:contacts',
      bCollectionId: B,
    });
    await status.transaction(pair, async (tx) => {
      await tx.put({ ident: 'marked', a: side('EWS-1'), b: side(`${B}1.vcf`) });
      await tx.put({ ident: 'uid-2', a: side('EWS-2'), b: side(`${B}2.vcf`) });
      await tx.put({ ident: 'twice', a: side('EWS-3'), b: side(`${B}3.vcf`) });
      await tx.put({ ident: 'group', a: side('EWS-4'), b: side(`${B}4.vcf`) });
      await tx.setPairState({ tokens: { a: 'ews1:old', b: 'nc-token' }, lastFullSyncAt: new Date().toISOString() });
    });
    const moved = await followExchangeMove(
      { db: t.db, status },
      {
        userId,
        kind: 'contact',
        aCollectionId: 'graph:alice@contoso.com:FOLDER',
        bCollectionId: B,
        identities: identities([
          { href: 'G-1', keys: ['marked', 'nc-uid-1'] },
          { href: 'G-2', keys: ['uid-2'] },
          { href: 'G-3a', keys: ['twice'] },
          { href: 'G-3b', keys: ['twice'] },
        ]),
      },
    );
    expect(moved).toEqual({ pairId: pair, relinked: 2, unmatched: 2 });
    const rows = new Map((await status.rows(pair)).map((r) => [r.ident, r]));
    expect(rows.get('marked')?.a).toEqual({ href: 'G-1', version: '', hash: '', raw: '' });
    expect(rows.get('uid-2')?.a?.href).toBe('G-2');
    // Two items claim one key: neither is taken; the link keeps its old href but is never read as deleted.
    expect(rows.get('twice')).toMatchObject({ a: { href: 'EWS-3' }, dormant: true });
    expect(rows.get('group')).toMatchObject({ a: { href: 'EWS-4' }, dormant: true });
    // The Nextcloud side is untouched; the Exchange token is gone and a full reconcile is due.
    expect(rows.get('marked')?.b?.href).toBe(`${B}1.vcf`);
    const state = await status.pairState(pair);
    expect(state.tokens).toEqual({ b: 'nc-token' });
    expect(state.lastFullSyncAt).toBeUndefined();

    // The pair is on the new id now: nothing moves again, and the pair is found under it.
    const again = await followExchangeMove(
      { db: t.db, status },
      {
        userId,
        kind: 'contact',
        aCollectionId: 'graph:alice@contoso.com:FOLDER',
        bCollectionId: B,
        identities: identities([]),
      },
    );
    expect(again).toBeUndefined();
    const same = await findOrCreatePair(t.db, {
      userId,
      kind: 'contact',
      aCollectionId: 'graph:alice@contoso.com:FOLDER',
      bCollectionId: B,
    });
    expect(same).toBe(pair);
  });
});
