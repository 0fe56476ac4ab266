import { describe, expect, it } from 'vitest';
import { RunAbort } from './executor';
import type { FieldMerge } from './merge';
import { resolveConflict } from './merge';
import type { ConflictPolicy } from './policy';
import { task } from './test-support';

/**
 * The conflict policies at their edges (pnpm mutation showed them untested: the model test's clock never ties
 * and its stores always give a modification time).
 */
const a = task('t', { summary: 'from a', description: 'a only' });
const b = task('t', { summary: 'from b' });
const merge: FieldMerge = {
  merged: { kind: 'task', uid: 't', status: 'needs-action' },
  conflicting: ['summary', 'description'],
};
const resolve = (policy: ConflictPolicy, modifiedAt: { a?: string; b?: string }) =>
  resolveConflict(policy, merge, a, b, modifiedAt);

describe('resolveConflict', () => {
  it('newest: the later modification wins, whichever side it is on', () => {
    const newest: ConflictPolicy = { type: 'newest', fallback: 'a' };
    expect(resolve(newest, { a: '2030-01-01T10:00:00Z', b: '2030-01-01T10:00:01Z' }).winner).toBe('b');
    expect(resolve({ ...newest, fallback: 'b' }, { a: '2030-01-01T10:00:01Z', b: '2030-01-01T10:00:00Z' }).winner).toBe(
      'a',
    );
  });

  it('newest: a tie or an unknown time goes to the fallback side', () => {
    for (const fallback of ['a', 'b'] as const) {
      const p: ConflictPolicy = { type: 'newest', fallback };
      expect(resolve(p, { a: '2030-01-01T10:00:00Z', b: '2030-01-01T10:00:00.000Z' }).winner).toBe(fallback);
      expect(resolve(p, { b: '2030-01-01T10:00:00Z' }).winner).toBe(fallback);
      expect(resolve(p, { a: '2030-01-01T10:00:00Z' }).winner).toBe(fallback);
      expect(resolve(p, { a: 'not a time', b: '2030-01-01T10:00:00Z' }).winner).toBe(fallback);
    }
  });

  it('the winner supplies every conflicting field, and a field the winner lacks is dropped', () => {
    const r = resolve({ type: 'side-wins', side: 'b' }, {});
    expect(r.item).toMatchObject({ summary: 'from b' });
    expect(r.item).not.toHaveProperty('description');
    expect(resolve({ type: 'side-wins', side: 'a' }, {}).item).toMatchObject({
      summary: 'from a',
      description: 'a only',
    });
  });

  it('keep-both hands back the losing side’s whole version as the copy; other policies none', () => {
    expect(resolve({ type: 'keep-both', keep: 'a' }, {})).toMatchObject({ winner: 'a', copy: b });
    expect(resolve({ type: 'keep-both', keep: 'b' }, {})).toMatchObject({ winner: 'b', copy: a });
    expect(resolve({ type: 'side-wins', side: 'a' }, {}).copy).toBeUndefined();
    const none = resolveConflict({ type: 'keep-both', keep: 'a' }, { merged: merge.merged, conflicting: [] }, a, b, {});
    expect(none.copy).toBeUndefined();
  });

  it('items of different kinds: the winner’s whole item', () => {
    const contact = { kind: 'contact', uid: 't' } as unknown as typeof a;
    const r = resolveConflict({ type: 'side-wins', side: 'b' }, { merged: {}, conflicting: ['kind'] }, a, contact, {});
    expect(r.item).toBe(contact);
    const mine = resolveConflict(
      { type: 'side-wins', side: 'a' },
      { merged: {}, conflicting: ['kind'] },
      a,
      contact,
      {},
    );
    expect(mine.item).toBe(a);
  });
});

describe('RunAbort', () => {
  it('says why the run stopped, per reason', () => {
    expect(new RunAbort('auth', undefined).message).toMatch(/Credentials were refused/);
    expect(new RunAbort('throttled', undefined, 5).message).toMatch(/throttling/);
    expect(new RunAbort('unavailable', undefined).message).toMatch(/could not be read/);
    expect(new RunAbort('auth', undefined).name).toBe('RunAbort');
  });
});
