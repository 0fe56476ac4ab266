import type { PimItem } from '../model/item';
import type { ConflictPolicy } from './policy';
import type { Side, StatusRow } from './types';

export type Write =
  /** Creates `item` on `side`, stamped with the plan's ident as our marker. */
  | { readonly type: 'create'; readonly side: Side; readonly item: PimItem }
  /** Patches the side's last-seen raw object (from the row) with `item`, conditional on its version. */
  | { readonly type: 'update'; readonly side: Side; readonly item: PimItem }
  /** Deletes conditionally on the version in the row. */
  | { readonly type: 'delete'; readonly side: Side };

export interface ConflictRecord {
  readonly ident: string;
  readonly fields: readonly string[];
  readonly policy: ConflictPolicy['type'];
  readonly winner: Side;
  /** Both versions, in full: nothing a conflict overrides is lost from the record. */
  readonly aRaw?: string;
  readonly bRaw?: string;
  readonly aItem: PimItem;
  readonly bItem: PimItem;
}

export interface QuarantineRecord {
  readonly ident: string;
  /** The side the deletion would have been applied to. */
  readonly side: Side;
  readonly href: string;
  readonly reason: 'threshold' | 'emptied-side' | 'policy';
}

/** Everything one run will do to one item. */
export interface ItemPlan {
  readonly ident: string;
  /** The decision-table cell, e.g. `a-changed/b-same`: names the decision in tests and dry-run reports. */
  readonly cell: string;
  readonly old?: StatusRow;
  /** The row once this run's observations are accepted, before any write; undefined means forget the row. */
  readonly next?: StatusRow;
  readonly writes: readonly Write[];
  readonly conflict?: ConflictRecord;
  readonly quarantine: readonly QuarantineRecord[];
  /** Hrefs this plan consumed from each side's feed: parked for retry when the plan fails. */
  readonly sources: { readonly a?: string; readonly b?: string };
  /** keep-both: the losing version as an item of its own, created (on both sides) before this plan runs. */
  readonly copy?: ItemPlan;
}
