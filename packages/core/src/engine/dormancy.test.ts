import { describe, expect, it } from 'vitest';
import { planItem } from './planner';
import { defaultPolicy } from './policy';
import { fetched, gone, leftWindow, linked, present, task } from './test-support';
import type { Observation, StatusRow } from './types';

/**
 * The row's `dormant` flag: set when an item leaves the window (a windowed feed's tombstone, or a direct read of
 * an item the listing no longer names), cleared as soon as a side sees it in the window again, and otherwise kept
 * as it was. A dormant row is not read on a reconcile, so a wrong flag either loses edits or reads too much.
 * (pnpm mutation showed `dormancy()` untested beyond the first case.)
 */
const policy = defaultPolicy('a');
const item = task('u1', { summary: 'x' });
const a1 = fetched('/a/u1', '"1"', item);
const b1 = fetched('/b/u1', '"1"', item);
const row = linked('u1', a1, b1);
const dormantRow: StatusRow = { ...row, dormant: true };
const unchanged = (href: string): Observation => ({ type: 'unchanged', ref: { href, version: '"1"' } });

const dormantAfter = (r: StatusRow, a?: Observation, b?: Observation) =>
  planItem({ ident: 'u1', row: r, ...(a ? { a } : {}), ...(b ? { b } : {}) }, policy).next?.dormant ?? false;

describe('dormancy', () => {
  it('turns dormant when one side says the item left the window, or was found only by a direct read', () => {
    expect(dormantAfter(row, leftWindow('/a/u1'))).toBe(true);
    expect(dormantAfter(row, undefined, leftWindow('/b/u1'))).toBe(true);
    expect(dormantAfter(row, present(a1, true))).toBe(true);
    expect(dormantAfter(row, present(a1), present(b1, true))).toBe(true);
  });

  it('wakes up as soon as a side lists it in the window again (read or unchanged)', () => {
    expect(dormantAfter(dormantRow, present(a1))).toBe(false);
    expect(dormantAfter(dormantRow, undefined, unchanged('/b/u1'))).toBe(false);
    expect(dormantAfter(dormantRow, unchanged('/a/u1'), unchanged('/b/u1'))).toBe(false);
  });

  it('keeps what it was when nothing says where the item is', () => {
    expect(dormantAfter(dormantRow)).toBe(true);
    expect(dormantAfter(row)).toBe(false);
    // A deletion on one side says nothing about the window: the other side's copy stays as dormant as it was.
    expect(planItem({ ident: 'u1', row: dormantRow, a: gone('/a/u1') }, policy).next?.dormant).toBe(true);
  });
});
