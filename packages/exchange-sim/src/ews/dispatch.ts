import type { EwsContext } from './context';
import { errorMessage, operationResponse } from './envelope';
import { EwsFault, EwsItemError } from './errors';
import { convertId } from './ops/convert-id';
import { findFolder, getFolder, syncFolderHierarchy } from './ops/folder-ops';
import { createFolder, deleteFolder } from './ops/folder-write';
import { findItem, getItem } from './ops/read-items';
import { syncFolderItems } from './ops/sync-folder-items';
import {
  createUserConfiguration,
  deleteUserConfiguration,
  getUserConfiguration,
  updateUserConfiguration,
} from './ops/user-configuration';
import { getUserPhoto } from './ops/user-photo';
import { createItem, deleteItem, updateItem } from './ops/write-items';
import type { XNode } from './xml/parse';

type Handler = (ctx: EwsContext, op: XNode) => string;

const OPERATIONS: Record<string, Handler> = {
  SyncFolderHierarchy: syncFolderHierarchy,
  GetFolder: getFolder,
  FindFolder: findFolder,
  SyncFolderItems: syncFolderItems,
  FindItem: findItem,
  GetItem: getItem,
  CreateItem: createItem,
  UpdateItem: updateItem,
  DeleteItem: deleteItem,
  ConvertId: convertId,
  GetUserConfiguration: getUserConfiguration,
  CreateUserConfiguration: createUserConfiguration,
  UpdateUserConfiguration: updateUserConfiguration,
  DeleteUserConfiguration: deleteUserConfiguration,
  GetUserPhoto: getUserPhoto,
  CreateFolder: createFolder,
  DeleteFolder: deleteFolder,
};

/** Runs one operation and returns the body of the response envelope (`<m:XResponse>`). */
export function dispatch(ctx: EwsContext, op: XNode): string {
  const handler = OPERATIONS[op.name];
  if (!handler)
    throw new EwsFault(
      'ErrorInvalidRequest',
      `The request is invalid: operation ${op.name} is not supported by this simulator.`,
    );
  if (ctx.inBandBusyMs !== undefined) {
    // ErrorServerBusy in-band: the operation is not executed, its one response message carries the back-off.
    const busy = new EwsItemError('ErrorServerBusy', undefined, { BackOffMilliseconds: String(ctx.inBandBusyMs) });
    // One message per input of a batch, as clients match responses to requests by position.
    return operationResponse(
      op.name,
      Array.from({ length: batchSize(op) }, () => errorMessage(op.name, busy)),
    );
  }
  return handler(ctx, op);
}

const BATCH_LIST: Record<string, string> = {
  GetFolder: 'FolderIds',
  FindFolder: 'ParentFolderIds',
  FindItem: 'ParentFolderIds',
  GetItem: 'ItemIds',
  CreateItem: 'Items',
  UpdateItem: 'ItemChanges',
  DeleteItem: 'ItemIds',
  ConvertId: 'SourceIds',
  CreateFolder: 'Folders',
  DeleteFolder: 'FolderIds',
};

function batchSize(op: XNode): number {
  const list = BATCH_LIST[op.name];
  const n = list ? op.children.find((c) => c.name === list)?.children.length : undefined;
  return Math.max(1, n ?? 1);
}
