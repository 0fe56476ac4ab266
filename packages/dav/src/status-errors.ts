import {
  InvalidSyncTokenError,
  NotFoundError,
  PreconditionFailedError,
  RejectedError,
  RetryableError,
  type StoreError,
} from '@exsync/core';
import { errorNames } from './multistatus';

export type DavOperation = 'create' | 'update' | 'remove' | 'read' | 'list' | 'sync' | 'discover' | 'mkcol';

/**
 * Nextcloud answers 403 for an object over its size limit (10 MiB events, 5 MiB cards) with no machine-readable
 * marker, only a message — which we never match. A refused PUT this large is treated as too large; real calendar
 * objects and cards only get there with embedded attachments or photos.
 */
export const TOO_LARGE_HINT_BYTES = 1024 * 1024;

/**
 * What a status means for one kind of request. 401/429/502/503/504 never get here: the transport turns them into
 * AuthError and RetryableError for every request alike.
 */
export function errorForStatus(
  status: number,
  operation: DavOperation,
  path: string,
  detail: { readonly body?: string; readonly sentBytes?: number } = {},
): StoreError {
  const body = detail.body ?? '';
  const what = `${operation} ${path}`;
  if (status === 412) {
    // Objects are named after their UID, so "If-None-Match: * failed" on a create means that UID exists here.
    return operation === 'create'
      ? new RejectedError(`${what}: an item with this UID already exists in the collection`, 'uid-conflict')
      : new PreconditionFailedError(`${what}: the item changed since it was read (412)`);
  }
  if (status === 404 || status === 410) return new NotFoundError(`${what}: not found (${status})`);
  if (status === 413) return new RejectedError(`${what}: the server refused the item as too large (413)`, 'too-large');
  if (operation === 'sync' && (status === 403 || status === 409) && errorNames(body, 'valid-sync-token')) {
    return new InvalidSyncTokenError(`${what}: the sync token is no longer valid; a full reconcile is needed`);
  }
  if (status === 403) {
    if (errorNames(body, 'supported-calendar-component')) {
      return new RejectedError(`${what}: the collection does not hold this kind of item`, 'unsupported');
    }
    if ((detail.sentBytes ?? 0) >= TOO_LARGE_HINT_BYTES) {
      return new RejectedError(`${what}: the server refused the item, most likely as too large (403)`, 'too-large');
    }
    return new RejectedError(`${what}: the server forbids this (403); the collection may be read-only`, 'forbidden');
  }
  if ((status === 400 || status === 409) && operation === 'create') {
    // Nextcloud 30–33: 400 for a UID already used by another object of the collection; 34: 409 no-uid-conflict.
    return new RejectedError(
      `${what}: another item of the collection already has this UID (${status})`,
      'uid-conflict',
    );
  }
  if (status === 409 && errorNames(body, 'no-uid-conflict')) {
    return new RejectedError(`${what}: another item of the collection already has this UID (409)`, 'uid-conflict');
  }
  if (status === 400 || status === 415 || status === 422) {
    return new RejectedError(`${what}: the server refused the content (${status})`, 'unsupported');
  }
  if (status === 405) return new RejectedError(`${what}: method not allowed here (405)`, 'forbidden');
  if (status === 507)
    return new RejectedError(`${what}: the server is out of space or refused the request size (507)`, 'too-large');
  return new RetryableError(`${what}: unexpected status ${status}`);
}
