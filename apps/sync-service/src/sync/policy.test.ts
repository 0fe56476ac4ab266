import { defaultGuard } from '@exsync/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type SyncSettings } from '../settings';
import { policyFor, windowFor } from './policy';

const settings = (patch: Partial<SyncSettings>): SyncSettings => ({ ...structuredClone(DEFAULT_SETTINGS), ...patch });

describe('policyFor: tenant settings to the engine policy (Exchange = a, Nextcloud = b)', () => {
  it('maps the defaults to Exchange winning, two-way, propagating deletions under 20 % / 50 items', () => {
    expect(policyFor(DEFAULT_SETTINGS, 'events')).toEqual({
      conflict: { type: 'side-wins', side: 'a' },
      direction: { type: 'two-way' },
      deletions: { type: 'propagate' },
      guard: { ...defaultGuard, maxRatio: 0.2, maxCount: 50 },
    });
  });

  it.each([
    ['exchange-wins', { type: 'side-wins', side: 'a' }],
    ['nextcloud-wins', { type: 'side-wins', side: 'b' }],
    ['newest', { type: 'newest', fallback: 'a' }],
    ['keep-both', { type: 'keep-both', keep: 'a' }],
  ] as const)('maps conflict policy %s', (kind, expected) => {
    expect(policyFor(settings({ conflictPolicy: { kind } }), 'contacts').conflict).toEqual(expected);
  });

  it('takes the direction of the item kind asked for, one-way directions leaving the other side’s edits alone', () => {
    const s = settings({
      itemKinds: {
        events: { enabled: true, direction: 'exchange-to-nextcloud' },
        contacts: { enabled: true, direction: 'nextcloud-to-exchange' },
        tasks: { enabled: true, direction: 'two-way' },
      },
    });
    expect(policyFor(s, 'events').direction).toEqual({ type: 'one-way', from: 'a', readOnlyEdits: 'ignore' });
    expect(policyFor(s, 'contacts').direction).toEqual({ type: 'one-way', from: 'b', readOnlyEdits: 'ignore' });
    expect(policyFor(s, 'tasks').direction).toEqual({ type: 'two-way' });
  });

  it('turns the deletion thresholds into the guard, and "never" into quarantining every deletion', () => {
    const custom = policyFor(settings({ deletionPolicy: { kind: 'propagate', maxPercent: 5, maxCount: 7 } }), 'tasks');
    expect(custom.deletions).toEqual({ type: 'propagate' });
    expect(custom.guard).toMatchObject({ maxRatio: 0.05, maxCount: 7, emptiedSide: true });
    expect(policyFor(settings({ deletionPolicy: { kind: 'never' } }), 'tasks').deletions).toEqual({
      type: 'quarantine',
    });
  });
});

describe('windowFor', () => {
  it('spans daysBack to daysAhead on whole UTC days, so runs on the same day use the same window', () => {
    const s = settings({ window: { daysBack: 2, daysAhead: 3 } });
    const morning = windowFor(s, new Date('2030-05-10T01:00:00Z'));
    expect(morning).toEqual({ start: '2030-05-08T00:00:00.000Z', end: '2030-05-14T00:00:00.000Z' });
    expect(windowFor(s, new Date('2030-05-10T23:59:00Z'))).toEqual(morning);
  });
});
