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

  it('remembers the states it issued without mixing up secret, folder, mailbox, floor or a paging pass', () => {
    const states = [
      encodeSyncState({ ...scope, floor: 5, seen: {} }, 'k'),
      encodeSyncState({ ...scope, floor: 5, seen: {} }, 'k2'),
      encodeSyncState({ ...scope, folder: 'folder-2', floor: 5, seen: {} }, 'k'),
      encodeSyncState({ ...scope, mailbox: 'mbx-2', floor: 5, seen: {} }, 'k'),
      encodeSyncState({ ...scope, floor: 6, seen: {} }, 'k'),
      encodeSyncState({ ...scope, floor: 5, seen: { abc: 5 } }, 'k'),
    ];
    expect(new Set(states).size).toBe(states.length);
    // Asked again, the same text (what a client in sync is sent back), decoding to its own watermark each time.
    expect(encodeSyncState({ ...scope, floor: 5, seen: {} }, 'k')).toBe(states[0]);
    for (let round = 0; round < 2; round++) {
      expect(decodeSyncState(states[0]!, 'k', scope)).toMatchObject({ floor: 5, seen: {} });
      expect(() => decodeSyncState(states[0]!, 'k2', scope)).toThrow(InvalidSyncState);
      expect(() => decodeSyncState(states[2]!, 'k', scope)).toThrow(InvalidSyncState);
      expect(decodeSyncState(states[2]!, 'k', { ...scope, folder: 'folder-2' })).toMatchObject({ floor: 5 });
      expect(() => decodeSyncState(states[3]!, 'k', scope)).toThrow(InvalidSyncState);
      expect(decodeSyncState(states[4]!, 'k', scope)).toMatchObject({ floor: 6 });
      expect(decodeSyncState(states[5]!, 'k', scope)).toMatchObject({ floor: 5, seen: { abc: 5 } });
      expect(decodeSyncState(` ${states[1]!}\n`, 'k2', scope)).toMatchObject({ floor: 5 });
    }
  });
});
