/**
 * CreateFolder and DeleteFolder.
 * https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/createfolder-operation
 * https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/deletefolder-operation
 * Simplified: DeleteType MoveToDeletedItems and SoftDelete delete the folder like HardDelete (no folder is kept in
 * Deleted Items or the dumpster).
 */
import type { Folder } from '../../store/types';
import type { EwsContext } from '../context';
import { errorMessage, operationResponse, successMessage } from '../envelope';
import { EwsFault, EwsItemError } from '../errors';
import { M, T } from '../xml/namespaces';
import { child, childText, type XNode } from '../xml/parse';
import { el } from '../xml/write';
import { resolveFolder, wrapStore } from './folders';
import { requiredList } from './required-list';

const ELEMENT_KIND: Record<string, 'calendar' | 'contacts' | 'tasks' | 'mail'> = {
  CalendarFolder: 'calendar',
  ContactsFolder: 'contacts',
  TasksFolder: 'tasks',
  Folder: 'mail',
};

/** What a new folder holds: by its FolderClass (IPF.Appointment.*, IPF.Contact.*, IPF.Task.*), else its element. */
function kindOf(element: string, folderClass: string | undefined): 'calendar' | 'contacts' | 'tasks' | 'mail' {
  const cls = folderClass ?? '';
  if (cls === 'IPF.Appointment' || cls.startsWith('IPF.Appointment.')) return 'calendar';
  if (cls === 'IPF.Contact' || cls.startsWith('IPF.Contact.')) return 'contacts';
  if (cls === 'IPF.Task' || cls.startsWith('IPF.Task.')) return 'tasks';
  return ELEMENT_KIND[element] ?? 'mail';
}

const RESPONSE_ELEMENT = { calendar: 't:CalendarFolder', contacts: 't:ContactsFolder', tasks: 't:TasksFolder' };

export function createFolder(ctx: EwsContext, op: XNode): string {
  const name = 'CreateFolder';
  const parentNode = child(op, M, 'ParentFolderId')?.children[0];
  const folders = requiredList(op, 'Folders');
  let parent: Folder;
  try {
    parent = resolveFolder(ctx, parentNode);
  } catch (e) {
    if (e instanceof EwsItemError)
      return operationResponse(
        name,
        folders.map(() => errorMessage(name, e)),
      );
    throw e;
  }
  return operationResponse(
    name,
    folders.map((n) => {
      try {
        if (n.name === 'SearchFolder') {
          throw new EwsItemError('ErrorInvalidOperation', 'Search folders are not supported by this simulator.');
        }
        if (!(n.name in ELEMENT_KIND)) {
          throw new EwsFault('ErrorSchemaValidation', `The request failed schema validation: ${n.name} is no folder.`);
        }
        const displayName = childText(n, T, 'DisplayName')?.trim();
        if (!displayName) throw new EwsItemError('ErrorInvalidOperation', 'A folder needs a DisplayName.');
        if (ctx.store.childFolders(parent).some((f) => f.displayName.toLowerCase() === displayName.toLowerCase())) {
          throw new EwsItemError('ErrorFolderExists');
        }
        const folderClass = childText(n, T, 'FolderClass')?.trim() || undefined;
        const kind = kindOf(n.name, folderClass);
        const f = wrapStore(() =>
          ctx.store.createFolder(parent.mailboxId, {
            kind,
            displayName,
            parentId: parent.id,
            ...(folderClass ? { folderClass } : {}),
          }),
        );
        const element = kind === 'mail' ? 't:Folder' : RESPONSE_ELEMENT[kind];
        return successMessage(
          name,
          el('m:Folders', undefined, el(element, undefined, `<t:FolderId Id="${f.id}" ChangeKey="${f.changeKey}"/>`)),
        );
      } catch (e) {
        if (e instanceof EwsItemError) return errorMessage(name, e, '<m:Folders/>');
        throw e;
      }
    }),
  );
}

export function deleteFolder(ctx: EwsContext, op: XNode): string {
  const name = 'DeleteFolder';
  const type = op.attrs.DeleteType;
  if (type !== 'HardDelete' && type !== 'SoftDelete' && type !== 'MoveToDeletedItems') {
    throw new EwsFault('ErrorSchemaValidation', `The request failed schema validation: DeleteType "${type ?? ''}".`);
  }
  return operationResponse(
    name,
    requiredList(op, 'FolderIds').map((n) => {
      try {
        const f = resolveFolder(ctx, n);
        if (f.isDefault) throw new EwsItemError('ErrorDeleteDistinguishedFolder');
        wrapStore(() => ctx.store.deleteFolder(f.id));
        return successMessage(name);
      } catch (e) {
        if (e instanceof EwsItemError) return errorMessage(name, e);
        throw e;
      }
    }),
  );
}
