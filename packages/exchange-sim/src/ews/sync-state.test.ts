import { describe, expect, it } from 'vitest';
import { decodeSyncState, encodeSyncState, InvalidSyncState } from './sync-state';

const scope = { kind: 'items' as const, mailbox: 'mbx-1', folder: 'folder-1' };

describe('SyncState codec', () => {
  it('is a gzip (H4sI…) blob that decodes back to the same watermark', () => {
    const s = encodeSyncState({ ...scope, floor: 42, seen: { abc: 7 } }, 'k');
    expect(s.startsWith('H4sI')).toBe(true);
    expect(decodeSyncState(s, 'k', scope)).toMatchObject({ floor: 42, seen: { abc: 7 } });
  });

  it('refuses states signed with another key, for another folder or mailbox, or altered', () => {
    const s = encodeSyncState({ ...scope, floor: 1, seen: {} }, 'k');
    expect(() => decodeSyncState(s, 'other', scope)).toThrow(InvalidSyncState);
    expect(() => decodeSyncState(s, 'k', { ...scope, folder: 'folder-2' })).toThrow(InvalidSyncState);
    expect(() => decodeSyncState(s, 'k', { ...scope, mailbox: 'mbx-2' })).toThrow(InvalidSyncState);
    expect(() => decodeSyncState(s.slice(0, 10), 'k', scope)).toThrow(InvalidSyncState);
    expect(() => decodeSyncState('', 'k', scope)).toThrow(InvalidSyncState);
  });
});
