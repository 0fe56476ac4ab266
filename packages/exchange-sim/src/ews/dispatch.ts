import type { EwsContext } from './context';
import { errorMessage, operationResponse } from './envelope';
import { EwsFault, EwsItemError } from './errors';
import { findFolder, getFolder, syncFolderHierarchy } from './ops/folder-ops';
import { findItem, getItem } from './ops/read-items';
import { syncFolderItems } from './ops/sync-folder-items';
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
};

export function isSupportedOperation(name: string): boolean {
  return name in OPERATIONS;
}

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
    return operationResponse(op.name, [errorMessage(op.name, busy)]);
  }
  return handler(ctx, op);
}
