import { describe, expect, it } from 'vitest';
import type { LastRun } from '../../src/api';
import { attemptDiffers, directionLabel, failedCount, itemAdvice, lastSyncPartial } from '../../src/runs';

const run = (outcome: LastRun['outcome']): LastRun => ({
  startedAt: '2026-12-06T10:00:00.000Z',
  finishedAt: '2026-12-06T10:00:04.000Z',
  outcome,
  counts: {},
  requests: null,
  durationMs: 4000,
  error: null,
  itemErrors: [],
  kinds: [],
});

describe('how the pages read a sync', () => {
  it('names a list row partial from the stateCode (the list has no run), a user from their last run', () => {
    expect(lastSyncPartial({ stateCode: 'items_failed' })).toBe(true);
    expect(lastSyncPartial({ stateCode: 'sync_failed' })).toBe(false);
    expect(lastSyncPartial({ stateCode: null })).toBe(false);
    expect(lastSyncPartial({ stateCode: 'items_failed', lastRun: run('failed') })).toBe(false);
    expect(lastSyncPartial({ stateCode: null, lastRun: run('partial') })).toBe(true);
  });

  it('shows the last attempt apart only when it is newer than the last success', () => {
    const success = '2026-12-06T08:00:00.000Z';
    expect(attemptDiffers({ lastSuccessAt: success, lastAttemptAt: success })).toBe(false);
    expect(attemptDiffers({ lastSuccessAt: success, lastAttemptAt: '2026-12-06T09:00:00.000Z' })).toBe(true);
    expect(attemptDiffers({ lastSuccessAt: null, lastAttemptAt: '2026-12-06T09:00:00.000Z' })).toBe(true);
    expect(attemptDiffers({ lastSuccessAt: null, lastAttemptAt: null })).toBe(false);
  });

  it('counts every failed item, listed or not, and words writes per direction', () => {
    const listed = [{ item: 'x', href: null, side: null, reason: 'r', code: null }];
    expect(failedCount({ counts: { failed: { create: 150, update: 2 } }, itemErrors: listed })).toBe(152);
    expect(failedCount({ counts: {}, itemErrors: listed })).toBe(1);
    const counts = { exchange_to_nextcloud: { create: 2, update: 1, delete: 0 }, failed: { create: 1 } };
    expect(directionLabel(counts, 'exchange_to_nextcloud')).toBe('2 created, 1 updated');
    expect(directionLabel(counts, 'nextcloud_to_exchange')).toBe('none');
  });

  it('says what to do per code and names the side', () => {
    expect(itemAdvice({ code: 'rejected', side: 'nextcloud' })).toMatch(/^Nextcloud refused this item for good/);
    expect(itemAdvice({ code: 'invalid-item', side: 'exchange' })).toContain('save it again in Exchange');
    expect(itemAdvice({ code: 'retryable', side: null })).toMatch(/^Nothing to do: The server failed/);
    expect(itemAdvice({ code: 'not-found', side: 'exchange' })).toContain('deleted in Exchange');
    expect(itemAdvice({ code: 'precondition-failed', side: 'nextcloud' })).toContain('changed in Nextcloud');
    expect(itemAdvice({ code: 'something-new', side: 'exchange' })).toContain('The reason says what happened');
  });
});
