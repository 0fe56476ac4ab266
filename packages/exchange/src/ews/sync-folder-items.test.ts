import { InvalidSyncTokenError, type PimItem, RetryableError } from '@exsync/core';
import { sampleEvent } from '@exsync/core/testing';
import { child, parseXml, type XNode } from '@exsync/xml';
import {
  BasePropertySet,
  ChangeType,
  FolderId,
  type IXHROptions,
  PropertySet,
  SyncFolderItemsScope,
  WellKnownFolderName,
} from 'ews-javascript-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyEwsError } from './classify-error';
import { EwsCollectionStore } from './ews-collection-store';
import { EwsSession } from './ews-session';
import { responseMessages } from './soap-answer';
import type { FolderRef } from './soap-envelope';
import { MESSAGES_NS, SOAP_NS, soapEnvelope, TYPES_NS } from './soap-envelope';
import { syncFolderItemsRequest, syncPageOf } from './sync-folder-items';
import { ALICE, type SimHarness, startSimulator } from './test-simulator';

let h: SimHarness;
beforeAll(async () => {
  h = await startSimulator();
});
afterAll(() => h?.close());

/** A session whose requests and answers are kept, to set ours against the library's. */
function recordingSession(folder: Parameters<SimHarness['config']>[0]) {
  const session = new EwsSession(h.config(folder));
  const seen: { body: string; answer: string }[] = [];
  const xhr = session.service.XHRApi;
  const send = xhr.xhr.bind(xhr);
  xhr.xhr = async (options: IXHROptions, progress) => {
    const exchange = { body: String(options.data), answer: '' };
    seen.push(exchange);
    const answer = await send(options, progress);
    exchange.answer = answer.responseText;
    return answer;
  };
  return { session, seen };
}

/** The SOAP Body of a request, with white space, prefixes and `<a></a>` / `<a/>` told apart no more. */
function bodyOf(envelope: string): unknown {
  const plain = (n: XNode): unknown => ({
    el: `${n.ns} ${n.name}`,
    attrs: n.attrs,
    text: n.text.trim(),
    children: n.children.map(plain),
  });
  return plain(child(parseXml(envelope), SOAP_NS, 'Body')!);
}

/** What the library's SyncFolderItems gave, in our page's terms. */
async function libraryPage(session: EwsSession, folderId: FolderId, state: string | null, max: number) {
  const set = await session.call('SyncFolderItems', (svc) =>
    svc.SyncFolderItems(
      folderId,
      new PropertySet(BasePropertySet.IdOnly),
      [],
      max,
      SyncFolderItemsScope.NormalItems,
      state as string,
    ),
  );
  const types: Partial<Record<ChangeType, string>> = {
    [ChangeType.Create]: 'create',
    [ChangeType.Update]: 'update',
    [ChangeType.Delete]: 'delete',
    [ChangeType.ReadFlagChange]: 'read-flag',
  };
  return {
    syncState: set.SyncState,
    more: set.MoreChangesAvailable,
    changes: set.GetEnumerator().map((c) => ({
      type: types[c.ChangeType],
      itemId: c.ItemId.UniqueId,
      ...(c.ItemId.ChangeKey ? { changeKey: c.ItemId.ChangeKey } : {}),
    })),
  };
}

describe('SyncFolderItems without the library', () => {
  it('sends the request the library sent, for a well-known folder and a folder by id, first page and next', async () => {
    const { id } = h.sim.store.createFolder(ALICE, { kind: 'calendar', displayName: 'by id' });
    const folders: [FolderRef, FolderId][] = [
      [{ distinguished: 'calendar' }, new FolderId(WellKnownFolderName.Calendar)],
      [{ id }, new FolderId(id)],
    ];
    const { session, seen } = recordingSession('calendar');
    for (const [ours, theirs] of folders) {
      for (const state of [null, (await libraryPage(session, theirs, null, 7)).syncState]) {
        await libraryPage(session, theirs, state, 7);
        const library = seen.at(-1)!.body;
        expect(bodyOf(soapEnvelope(ALICE, syncFolderItemsRequest(ours, state, 7)))).toEqual(bodyOf(library));
      }
    }
  });

  it('reads every page as the library did: creates, updates, deletes, sync state and more', async () => {
    const folder = h.sim.store.createFolder(ALICE, { kind: 'calendar', displayName: 'sync-folder-items' });
    const store = new EwsCollectionStore(h.config({ id: folder.id, kind: 'calendar' }));
    const { session, seen } = recordingSession({ id: folder.id, kind: 'calendar' });
    const folderId = new FolderId(folder.id);
    const kinds = new Set<string>();
    /** Pages from `state` to the end, ours against the library's, both reading the very same answer bytes. */
    const walk = async (from: string | null) => {
      let state = from;
      for (let page = 0; page < 10; page++) {
        const library = await libraryPage(session, folderId, state, 2);
        const ours = syncPageOf(responseMessages(seen.at(-1)!.answer, 'SyncFolderItems'));
        expect(ours).toEqual(library);
        for (const c of ours.changes) kinds.add(c.type);
        state = ours.syncState;
        if (!ours.more) return state;
      }
      throw new Error('the feed did not end');
    };
    const start = await walk(null);
    const written = [];
    for (let i = 0; i < 5; i++) {
      written.push(await store.create(sampleEvent(`sfi-${i}`, `2030-03-0${i + 1}T10:00:00Z`), { marker: `m${i}` }));
    }
    const created = await walk(start);
    await store.remove(written[1]!.ref);
    for await (const r of store.getMany([written[2]!.ref.href])) {
      if (r.found) await store.update(r.fetched, { ...r.fetched.item, summary: 'changed' } as PimItem);
    }
    await walk(created);
    expect([...kinds].sort()).toEqual(['create', 'delete', 'update']);
  });
});

const answer = (message: string) =>
  `<s:Envelope xmlns:s="${SOAP_NS}"><s:Body><m:SyncFolderItemsResponse xmlns:m="${MESSAGES_NS}" xmlns:t="${TYPES_NS}">` +
  `<m:ResponseMessages>${message}</m:ResponseMessages></m:SyncFolderItemsResponse></s:Body></s:Envelope>`;
const page = (changes: string, last = '<m:IncludesLastItemInRange>false</m:IncludesLastItemInRange>') =>
  answer(
    `<m:SyncFolderItemsResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>` +
      `<m:SyncState> S1 </m:SyncState>${last}<m:Changes>${changes}</m:Changes></m:SyncFolderItemsResponseMessage>`,
  );

describe('reading a SyncFolderItems answer', () => {
  it('reads each kind of change, whatever the item type, and the paging', () => {
    const read = syncPageOf(
      responseMessages(
        page(
          '<t:Create><t:Contact><t:ItemId Id="c1" ChangeKey="k1"/></t:Contact></t:Create>' +
            '<t:Update><t:Message><t:ItemId Id="u1" ChangeKey="k2"/></t:Message></t:Update>' +
            '<t:Delete><t:ItemId Id="d1"/></t:Delete>' +
            '<t:ReadFlagChange><t:ItemId Id="r1" ChangeKey="k3"/><t:IsRead>true</t:IsRead></t:ReadFlagChange>',
        ),
        'SyncFolderItems',
      ),
    );
    expect(read).toEqual({
      syncState: 'S1',
      more: true,
      changes: [
        { type: 'create', itemId: 'c1', changeKey: 'k1' },
        { type: 'update', itemId: 'u1', changeKey: 'k2' },
        { type: 'delete', itemId: 'd1' },
        { type: 'read-flag', itemId: 'r1', changeKey: 'k3' },
      ],
    });
    const last = page('', '<m:IncludesLastItemInRange> 1 </m:IncludesLastItemInRange>');
    expect(syncPageOf(responseMessages(last, 'SyncFolderItems')).more).toBe(false);
  });

  it('refuses an answer without IncludesLastItemInRange instead of taking it for "more" or "done"', () => {
    expect(() => syncPageOf(responseMessages(page('', ''), 'SyncFolderItems'))).toThrow(RetryableError);
  });

  it('refuses an answer with no response message or two as unreadable (retried), never as "no changes"', () => {
    const one = page('');
    const message = /<m:SyncFolderItemsResponseMessage[\s\S]*<\/m:SyncFolderItemsResponseMessage>/.exec(one)![0];
    for (const text of [one.replace(message, ''), one.replace(message, message + message)]) {
      expect(() => syncPageOf(responseMessages(text, 'SyncFolderItems'))).toThrow(RetryableError);
      expect(() => syncPageOf(responseMessages(text, 'SyncFolderItems'))).toThrow(/response messages, not 1/);
    }
  });

  it('throws an Error response message as its code, which classifies as the library error did', () => {
    const stale = answer(
      '<m:SyncFolderItemsResponseMessage ResponseClass="Error"><m:MessageText>Synchronization state data is corrupt' +
        '</m:MessageText><m:ResponseCode>ErrorInvalidSyncStateData</m:ResponseCode></m:SyncFolderItemsResponseMessage>',
    );
    let thrown: unknown;
    try {
      syncPageOf(responseMessages(stale, 'SyncFolderItems'));
    } catch (error) {
      thrown = error;
    }
    expect(classifyEwsError(thrown)).toBeInstanceOf(InvalidSyncTokenError);
  });
});
