import { RetryableError } from '@exsync/core';
import { child, type XNode } from '@exsync/xml';
import { messageError, onlyMessage, type ResponseMessage } from './soap-answer';
import { type FolderRef, folderIdXml, MESSAGES_NS, TYPES_NS } from './soap-envelope';
import { xmlText, xsBoolean } from './wire-values';

/**
 * SyncFolderItems of the change listing, written and read without ews-javascript-api: it is the one request of a
 * sync in which nothing changed (one per folder), and the library's request objects, axios-dressed answer and xmldom
 * reading were a tenth of that sync's CPU (issue 14). The request is the one the library wrote for
 * `SyncFolderItems(folder, IdOnly, [], max, NormalItems, state)`, element for element, so Exchange answers the same.
 */

/** One change of the page, as the library's ItemChange gave it: the kind and the item's id and change key. */
export interface ItemChange {
  readonly type: 'create' | 'update' | 'delete' | 'read-flag';
  readonly itemId: string;
  /** Absent when the answer carried none (a delete may omit it). */
  readonly changeKey?: string;
}

/** A page of changes: SyncState to ask from next, and whether Exchange holds more after this page. */
export interface SyncPage {
  readonly syncState: string;
  readonly more: boolean;
  readonly changes: readonly ItemChange[];
}

/**
 * The body of a SyncFolderItems (EWS reference: SyncFolderItems operation; element order ItemShape, SyncFolderId,
 * SyncState, Ignore, MaxChangesReturned, SyncScope). No SyncState on the first page, as the library sends it.
 */
export function syncFolderItemsRequest(folder: FolderRef, state: string | null, maxChanges: number): string {
  return (
    '<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>' +
    `<m:SyncFolderId>${folderIdXml(folder)}</m:SyncFolderId>` +
    (state === null ? '' : `<m:SyncState>${xmlText(state)}</m:SyncState>`) +
    `<m:MaxChangesReturned>${maxChanges}</m:MaxChangesReturned><m:SyncScope>NormalItems</m:SyncScope>` +
    '</m:SyncFolderItems>'
  );
}

const CHANGE_TYPES: Readonly<Record<string, ItemChange['type']>> = {
  Create: 'create',
  Update: 'update',
  Delete: 'delete',
  ReadFlagChange: 'read-flag',
};

/**
 * The page a SyncFolderItems answer carries. One response message, as asked; an Error one throws what it stands
 * for (the library threw for Error only: a Warning is read like a success).
 */
export function syncPageOf(messages: readonly ResponseMessage[]): SyncPage {
  const m = onlyMessage(messages, 'SyncFolderItems');
  if (m.responseClass === 'Error') throw messageError(m);
  const changes: ItemChange[] = [];
  for (const c of child(m.node, MESSAGES_NS, 'Changes')?.children ?? []) {
    const type = c.ns === TYPES_NS ? CHANGE_TYPES[c.name] : undefined;
    if (!type) continue;
    // A delete and a read-flag change name the item directly; a create or an update holds the item (of whatever
    // type: CalendarItem, Contact, Task, Message, …) with its ItemId.
    const id = type === 'delete' || type === 'read-flag' ? child(c, TYPES_NS, 'ItemId') : itemIdOf(c.children[0]);
    const itemId = id?.attrs.Id;
    if (!itemId) continue;
    const changeKey = id.attrs.ChangeKey;
    changes.push(changeKey === undefined ? { type, itemId } : { type, itemId, changeKey });
  }
  // Both are required in a success (the library refused an answer without them): never guess "no more changes".
  const syncState = child(m.node, MESSAGES_NS, 'SyncState');
  const last = child(m.node, MESSAGES_NS, 'IncludesLastItemInRange');
  if (!syncState || !last) {
    throw new RetryableError('Exchange answered SyncFolderItems without SyncState or IncludesLastItemInRange');
  }
  return { syncState: syncState.text.trim(), more: !xsBoolean(last.text), changes };
}

function itemIdOf(item: XNode | undefined): XNode | undefined {
  return child(item, TYPES_NS, 'ItemId');
}
