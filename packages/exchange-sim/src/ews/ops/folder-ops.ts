import { encodeId } from '../../store/ids';
import type { Folder } from '../../store/types';
import { computedFolderProperties } from '../computed-props';
import type { EwsContext } from '../context';
import { errorMessage, operationResponse, successMessage } from '../envelope';
import { EwsFault, EwsItemError } from '../errors';
import { extendedKey, parseExtendedFieldUri } from '../items/common';
import { parseShape } from '../shape';
import { decodeSyncState, encodeSyncState, InvalidSyncState } from '../sync-state';
import { M } from '../xml/namespaces';
import { child, childText, type XNode } from '../xml/parse';
import { el, tx } from '../xml/write';
import { folderXml, resolveFolder } from './folders';
import { requiredList } from './required-list';
import { containsMatches, extendedValue, restrictionConstant, sortByOrder } from './restriction';

export function getFolder(ctx: EwsContext, op: XNode): string {
  const name = 'GetFolder';
  const shape = parseShape(child(op, M, 'FolderShape'));
  const ids = requiredList(op, 'FolderIds');
  return operationResponse(
    name,
    ids.map((n) => {
      try {
        const f = resolveFolder(ctx, n);
        return successMessage(name, el('m:Folders', undefined, folderXml(ctx, f, shape)));
      } catch (e) {
        if (e instanceof EwsItemError) return errorMessage(name, e, '<m:Folders/>');
        throw e;
      }
    }),
  );
}

function descendants(ctx: EwsContext, root: Folder, deep: boolean): Folder[] {
  const all = ctx.store.listFolders(root.mailboxId);
  const out: Folder[] = [];
  const walk = (key: number) => {
    for (const f of all.filter((x) => x.parentKey === key)) {
      out.push(f);
      if (deep) walk(f.key);
    }
  };
  walk(root.key);
  return out;
}

/** A folder property a restriction or SortOrder names: FolderClass, DisplayName, counts, or a computed MAPI tag. */
function folderValue(ctx: EwsContext, f: Folder, path: XNode | undefined): string | number | boolean | undefined {
  if (!path) return undefined;
  if (path.name === 'ExtendedFieldURI') {
    const key = extendedKey(parseExtendedFieldUri(path));
    return extendedValue(computedFolderProperties(ctx.store, f).find((p) => extendedKey(p) === key));
  }
  switch (path.attrs.FieldURI) {
    case 'folder:FolderClass':
      return f.folderClass ?? '';
    case 'folder:DisplayName':
      return f.displayName;
    case 'folder:TotalCount':
      return ctx.store.countItems(f.id);
    case 'folder:ChildFolderCount':
      return ctx.store.childFolders(f).length;
    case 'folder:UnreadCount':
      return 0;
    default:
      throw new EwsFault(
        'ErrorInvalidRequest',
        `Restrictions on ${path.attrs.FieldURI ?? path.name} are not supported by this simulator.`,
      );
  }
}

/** The restrictions clients use to find folders: IsEqualTo / Contains / Exists on folder fields and MAPI tags. */
function restrictionMatches(ctx: EwsContext, r: XNode | undefined, f: Folder): boolean {
  if (!r) return true;
  const test = (n: XNode): boolean => {
    switch (n.name) {
      case 'And':
        return n.children.every(test);
      case 'Or':
        return n.children.some(test);
      case 'Not':
        return !n.children.every(test);
    }
    const value = folderValue(ctx, f, n.children[0]);
    const constant = restrictionConstant(n) ?? '';
    switch (n.name) {
      case 'IsEqualTo':
        return value !== undefined && String(value) === constant;
      case 'IsNotEqualTo':
        return value === undefined || String(value) !== constant;
      case 'Contains':
        return value !== undefined && containsMatches(n, String(value), constant);
      case 'Exists':
        return value !== undefined && value !== '';
      default:
        throw new EwsFault('ErrorInvalidRequest', `Restriction ${n.name} is not supported by this simulator.`);
    }
  };
  return r.children.every(test);
}

export function findFolder(ctx: EwsContext, op: XNode): string {
  const name = 'FindFolder';
  const traversal = op.attrs.Traversal ?? 'Shallow';
  if (traversal !== 'Shallow' && traversal !== 'Deep' && traversal !== 'SoftDeleted') {
    throw new EwsFault(
      'ErrorSchemaValidation',
      `The request failed schema validation: Traversal "${traversal}" is invalid.`,
    );
  }
  const shape = parseShape(child(op, M, 'FolderShape'));
  const view = child(op, M, 'IndexedPageFolderView');
  const max = view?.attrs.MaxEntriesReturned ? Number(view.attrs.MaxEntriesReturned) : Number.POSITIVE_INFINITY;
  const offset = Number(view?.attrs.Offset ?? 0);
  const restriction = child(op, M, 'Restriction');
  return operationResponse(
    name,
    (child(op, M, 'ParentFolderIds')?.children ?? []).map((n) => {
      try {
        const root = resolveFolder(ctx, n);
        const matched = sortByOrder(
          descendants(ctx, root, traversal === 'Deep').filter((f) => restrictionMatches(ctx, restriction, f)),
          child(op, M, 'SortOrder'),
          (f, path) => folderValue(ctx, f, path),
        );
        const fromEnd = view?.attrs.BasePoint === 'End';
        const start = fromEnd
          ? Math.max(0, matched.length - offset - (Number.isFinite(max) ? max : matched.length))
          : offset;
        const page = matched.slice(start, start + (Number.isFinite(max) ? max : matched.length));
        const last = start + page.length >= matched.length;
        return successMessage(
          name,
          el(
            'm:RootFolder',
            {
              IndexedPagingOffset: start + page.length,
              TotalItemsInView: matched.length,
              IncludesLastItemInRange: last,
            },
            el('t:Folders', undefined, ...page.map((f) => folderXml(ctx, f, shape))),
          ),
        );
      } catch (e) {
        if (e instanceof EwsItemError) return errorMessage(name, e);
        throw e;
      }
    }),
  );
}

export function syncFolderHierarchy(ctx: EwsContext, op: XNode): string {
  const name = 'SyncFolderHierarchy';
  const shape = parseShape(child(op, M, 'FolderShape'));
  const shell = '<m:SyncState/><m:IncludesLastFolderInRange>true</m:IncludesLastFolderInRange>';
  let root: Folder;
  try {
    const sf = child(op, M, 'SyncFolderId')?.children[0];
    root = sf
      ? resolveFolder(ctx, sf, 'ErrorSyncFolderNotFound')
      : ctx.store.distinguishedFolder(ctx.mailbox.id, 'root');
  } catch (e) {
    if (e instanceof EwsItemError) return operationResponse(name, [errorMessage(name, e, shell)]);
    throw e;
  }
  // "null and root are not treated the same": a state taken without SyncFolderId is not valid with one.
  const scopeName = child(op, M, 'SyncFolderId') ? root.id : '(none)';
  const expect = { kind: 'folders' as const, mailbox: root.mailboxId, folder: scopeName };
  const stateText = childText(op, M, 'SyncState')?.trim();
  let floor = 0;
  if (stateText) {
    try {
      floor = decodeSyncState(stateText, ctx.syncSecret, expect).floor;
    } catch (e) {
      if (!(e instanceof InvalidSyncState)) throw e;
      return operationResponse(name, [errorMessage(name, new EwsItemError('ErrorInvalidSyncStateData'), shell)]);
    }
  }
  const inScope = new Set(descendants(ctx, root, true).map((f) => f.key));
  const changes = ctx.store
    .hierarchyChangesSince(root.mailboxId, floor)
    .filter((c) => inScope.has(c.folderKey) || (c.change === 'delete' && c.folder === undefined))
    .sort((a, b) => a.seq - b.seq)
    .map((c) => {
      if (c.change === 'delete' || !c.folder) {
        return el('t:Delete', undefined, `<t:FolderId Id="${c.folder?.id ?? encodeFolderId(ctx, c.folderKey)}"/>`);
      }
      return el(c.change === 'create' ? 't:Create' : 't:Update', undefined, folderXml(ctx, c.folder, shape));
    });
  const next = encodeSyncState({ ...expect, floor: ctx.store.currentSeq(), seen: {} }, ctx.syncSecret);
  return operationResponse(name, [
    successMessage(
      name,
      tx('m:SyncState', next) + tx('m:IncludesLastFolderInRange', true) + el('m:Changes', undefined, ...changes),
    ),
  ]);
}

function encodeFolderId(ctx: EwsContext, key: number): string {
  return ctx.store.folderByKey(key)?.id ?? encodeId('folder', key, 0, 0, ctx.mailbox.id);
}
