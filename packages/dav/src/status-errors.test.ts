import { describe, expect, it } from 'vitest';
import { errorForStatus, TOO_LARGE_HINT_BYTES } from './status-errors';
import { EVENT_TOO_LARGE, INVALID_SYNC_TOKEN, uidConflict409 } from './testing/nextcloud-responses';

describe('errorForStatus', () => {
  it.each([
    [412, 'update', {}, 'precondition-failed', undefined],
    [412, 'remove', {}, 'precondition-failed', undefined],
    [412, 'create', {}, 'rejected', 'uid-conflict'],
    [404, 'read', {}, 'not-found', undefined],
    [410, 'remove', {}, 'not-found', undefined],
    [413, 'create', {}, 'rejected', 'too-large'],
    [403, 'create', { body: EVENT_TOO_LARGE, sentBytes: TOO_LARGE_HINT_BYTES * 11 }, 'rejected', 'too-large'],
    [403, 'update', { body: '', sentBytes: 100 }, 'rejected', 'forbidden'],
    [403, 'sync', { body: INVALID_SYNC_TOKEN }, 'invalid-sync-token', undefined],
    [403, 'sync', { body: '' }, 'rejected', 'forbidden'],
    [400, 'create', {}, 'rejected', 'uid-conflict'],
    [409, 'create', { body: uidConflict409('/x.ics') }, 'rejected', 'uid-conflict'],
    [400, 'update', {}, 'rejected', 'unsupported'],
    [500, 'read', {}, 'retryable', undefined],
  ] as const)('%i on %s → %s %s', (status, operation, detail, code, reason) => {
    const error = errorForStatus(status, operation, '/cal/x.ics', detail);
    expect(error.code).toBe(code);
    if (reason) expect((error as { reason?: string }).reason).toBe(reason);
  });

  it('recognises the calendar-component precondition as unsupported, not forbidden', () => {
    const body =
      '<d:error xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><c:supported-calendar-component/></d:error>';
    expect(errorForStatus(403, 'create', '/x', { body })).toMatchObject({ code: 'rejected', reason: 'unsupported' });
  });
});
