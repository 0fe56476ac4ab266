import { isStoreError } from '../../store/errors';
import { FOLDER_CLASS, type Folder, type FolderKind, WELL_KNOWN_FOLDERS } from '../../store/types';
import { computedFolderProperties } from '../computed-props';
import { type EwsContext, mayReach } from '../context';
import { EwsFault, EwsItemError } from '../errors';
import { extendedKey, extendedPropertyXml } from '../items/common';
import type { Shape } from '../shape';
import { T } from '../xml/namespaces';
import { child, type XNode } from '../xml/parse';
import { el, tx } from '../xml/write';

const DISTINGUISHED = new Set<FolderKind>(['root', 'msgfolderroot', ...WELL_KNOWN_FOLDERS.map(([k]) => k)]);

/** Resolves t:FolderId / t:DistinguishedFolderId (optionally naming another mailbox) to a folder. */
export function resolveFolder(
  ctx: EwsContext,
  n: XNode | undefined,
  notFound: 'ErrorFolderNotFound' | 'ErrorSyncFolderNotFound' = 'ErrorFolderNotFound',
): Folder {
  if (!n) throw new EwsFault('ErrorSchemaValidation', 'The request failed schema validation: a folder id is missing.');
  if (n.name === 'DistinguishedFolderId') {
    const id = n.attrs.Id as FolderKind;
    if (!DISTINGUISHED.has(id))
      throw new EwsItemError(
        notFound,
        `The distinguished folder "${n.attrs.Id ?? ''}" does not exist in this simulator.`,
      );
    let mbx = ctx.mailbox;
    const other = child(child(n, T, 'Mailbox'), T, 'EmailAddress')?.text.trim();
    if (other) {
      const m = ctx.store.findMailbox(other);
      if (!m || m.smtpAddress.toLowerCase() !== other.toLowerCase()) throw new EwsItemError('ErrorNonExistentMailbox');
      if (!mayReach(ctx, m)) throw new EwsItemError('ErrorAccessDenied');
      mbx = m;
    }
    return ctx.store.distinguishedFolder(mbx.id, id);
  }
  if (n.name === 'FolderId') {
    const f = ctx.store.findFolder(n.attrs.Id ?? '');
    // Ids are compared exactly: a case-changed id is another (unknown) id.
    if (!f || (f.id !== n.attrs.Id && f.graphId !== n.attrs.Id)) throw new EwsItemError(notFound);
    if (f.mailboxId !== ctx.mailbox.id) {
      const m = ctx.store.findMailbox(f.mailboxId);
      if (!m || !mayReach(ctx, m)) throw new EwsItemError('ErrorFolderNotFound');
    }
    return f;
  }
  throw new EwsFault('ErrorSchemaValidation', `The request failed schema validation: ${n.name} is not a folder id.`);
}

/** Maps store errors raised while resolving/operating to in-band EWS errors. */
export function storeErrorToEws(e: unknown): never {
  if (isStoreError(e)) {
    switch (e.code) {
      case 'ItemNotFound':
        throw new EwsItemError('ErrorItemNotFound');
      case 'FolderNotFound':
        throw new EwsItemError('ErrorFolderNotFound');
      case 'MailboxNotFound':
        throw new EwsItemError('ErrorNonExistentMailbox');
      case 'OccurrenceNotFound':
        throw new EwsItemError('ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange');
      case 'OccurrenceDeleted':
        throw new EwsItemError('ErrorCalendarOccurrenceIsDeletedFromRecurrence');
      case 'ChangeKeyMismatch':
        throw new EwsItemError('ErrorIrresolvableConflict');
      case 'WrongFolderKind':
        throw new EwsItemError('ErrorInvalidOperation', e.message);
      default:
        throw new EwsItemError('ErrorInvalidPropertyRequest', e.message);
    }
  }
  throw e;
}

const ELEMENT: Partial<Record<FolderKind, string>> = {
  calendar: 't:CalendarFolder',
  contacts: 't:ContactsFolder',
  tasks: 't:TasksFolder',
};

/** A folder in FolderType order; count-only properties are rendered but never journaled as changes. */
export function folderXml(ctx: EwsContext, f: Folder, shape: Shape): string {
  const want = (uri: string, inDefault: boolean) =>
    shape.fields.has(uri) || shape.base === 'AllProperties' || (shape.base === 'Default' && inDefault);
  const parent = f.parentKey !== undefined ? ctx.store.folderByKey(f.parentKey) : undefined;
  const items = ctx.store.countItems(f.id);
  const children = ctx.store.childFolders(f).length;
  const ext =
    shape.extended.size > 0
      ? computedFolderProperties(ctx.store, f).filter((p) => shape.extended.has(extendedKey(p)))
      : [];
  const name = ELEMENT[f.kind] ?? 't:Folder';
  return el(
    name,
    undefined,
    `<t:FolderId Id="${f.id}" ChangeKey="${f.changeKey}"/>`,
    parent && want('folder:ParentFolderId', false)
      ? `<t:ParentFolderId Id="${parent.id}" ChangeKey="${parent.changeKey}"/>`
      : '',
    want('folder:FolderClass', false) ? tx('t:FolderClass', f.folderClass ?? FOLDER_CLASS[f.kind]) : '',
    want('folder:DisplayName', true) ? tx('t:DisplayName', f.displayName) : '',
    want('folder:TotalCount', true) ? tx('t:TotalCount', items) : '',
    want('folder:ChildFolderCount', true) ? tx('t:ChildFolderCount', children) : '',
    ...ext.map(extendedPropertyXml),
    f.distinguishedId && want('folder:DistinguishedFolderId', false)
      ? tx('t:DistinguishedFolderId', f.distinguishedId)
      : '',
    name === 't:Folder' && want('folder:UnreadCount', true) ? tx('t:UnreadCount', 0) : '',
  );
}

export function wrapStore<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    storeErrorToEws(e);
  }
}
