import type { Folder, JournalEntry } from '../../store/types';
import type { EwsContext } from '../context';
import { errorMessage, operationResponse, successMessage } from '../envelope';
import { EwsFault, EwsItemError } from '../errors';
import { parseShape } from '../shape';
import { decodeSyncState, encodeSyncState, InvalidSyncState, idDigest, type SyncStateData } from '../sync-state';
import { M, T } from '../xml/namespaces';
import { child, childrenOf, childText, type XNode } from '../xml/parse';
import { el, tx } from '../xml/write';
import { resolveFolder } from './folders';
import { itemXml } from './render-item';

type Change = { kind: 'create' | 'update' | 'delete'; itemKey: number; itemId: string; seq: number };

/**
 * Coalesces a folder's journal after `floor` per item, honouring what this paging pass already reported:
 * create+update → Create; updates → one Update; create+delete → nothing; a reported item deleted → Delete.
 */
function pending(journal: readonly JournalEntry[], state: SyncStateData): Change[] {
  const byItem = new Map<number, { createdAfter: boolean; last: JournalEntry }>();
  for (const e of journal) {
    if (e.seq <= state.floor) continue;
    const cur = byItem.get(e.itemKey);
    if (cur) cur.last = e;
    else byItem.set(e.itemKey, { createdAfter: e.change === 'create', last: e });
  }
  const out: Change[] = [];
  for (const [itemKey, { createdAfter, last }] of byItem) {
    const reportedAt = state.seen[idDigest(last.itemId)];
    if (reportedAt !== undefined && last.seq <= reportedAt) continue;
    const known = !createdAfter || reportedAt !== undefined;
    if (last.change === 'delete') {
      if (known) out.push({ kind: 'delete', itemKey, itemId: last.itemId, seq: last.seq });
    } else {
      out.push({ kind: known ? 'update' : 'create', itemKey, itemId: last.itemId, seq: last.seq });
    }
  }
  // Newest first, as Exchange 2010 SP2 and later return them.
  return out.sort((a, b) => b.seq - a.seq);
}

export function syncFolderItems(ctx: EwsContext, op: XNode): string {
  const name = 'SyncFolderItems';
  const shape = parseShape(child(op, M, 'ItemShape'));
  const maxText = childText(op, M, 'MaxChangesReturned');
  const max = Number(maxText);
  if (!maxText || !/^\d+$/.test(maxText.trim()) || max < 1 || max > 512) {
    throw new EwsFault(
      'ErrorSchemaValidation',
      `The request failed schema validation: The 'MaxChangesReturned' element is invalid - The value '${maxText ?? ''}' is invalid according to its datatype 'MaxSyncChangesReturnedType'.`,
      { Violation: 'MaxChangesReturned must be between 1 and 512.' },
    );
  }
  const scope = childText(op, M, 'SyncScope')?.trim();
  if (scope && scope !== 'NormalItems' && scope !== 'NormalAndAssociatedItems') {
    throw new EwsFault(
      'ErrorSchemaValidation',
      `The request failed schema validation: SyncScope "${scope}" is invalid.`,
    );
  }
  const emptyShell = `<m:SyncState/><m:IncludesLastItemInRange>true</m:IncludesLastItemInRange>`;
  let folder: Folder;
  try {
    folder = resolveFolder(ctx, child(op, M, 'SyncFolderId')?.children[0], 'ErrorSyncFolderNotFound');
  } catch (e) {
    if (e instanceof EwsItemError) return operationResponse(name, [errorMessage(name, e, emptyShell)]);
    throw e;
  }
  const stateText = childText(op, M, 'SyncState')?.trim();
  const expect = { kind: 'items' as const, mailbox: folder.mailboxId, folder: folder.id };
  let state: SyncStateData;
  if (stateText) {
    try {
      state = decodeSyncState(stateText, ctx.syncSecret, expect);
    } catch (e) {
      if (!(e instanceof InvalidSyncState)) throw e;
      return operationResponse(name, [errorMessage(name, new EwsItemError('ErrorInvalidSyncStateData'), emptyShell)]);
    }
  } else {
    state = { ...expect, floor: 0, seen: {} };
  }
  const ignore = new Set(childrenOf(child(op, M, 'Ignore'), T, 'ItemId').map((i) => i.attrs.Id ?? ''));
  const all = pending(ctx.store.journal(folder.id), state);
  const page = all.slice(0, max);
  const done = page.length === all.length;
  const seen = { ...state.seen };
  for (const c of page) seen[idDigest(c.itemId)] = c.seq;
  const next: SyncStateData = done ? { ...expect, floor: ctx.store.currentSeq(), seen: {} } : { ...state, seen };
  const changes = page
    .filter((c) => !ignore.has(c.itemId))
    .map((c) => {
      if (c.kind === 'delete') return el('t:Delete', undefined, `<t:ItemId Id="${c.itemId}"/>`);
      const item = ctx.store.itemByKey(c.itemKey);
      if (!item) return el('t:Delete', undefined, `<t:ItemId Id="${c.itemId}"/>`);
      return el(c.kind === 'create' ? 't:Create' : 't:Update', undefined, itemXml(ctx, item, shape));
    });
  return operationResponse(name, [
    successMessage(
      name,
      tx('m:SyncState', encodeSyncState(next, ctx.syncSecret)) +
        tx('m:IncludesLastItemInRange', done) +
        el('m:Changes', undefined, ...changes),
    ),
  ]);
}
