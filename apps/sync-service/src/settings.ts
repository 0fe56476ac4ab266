/**
 * A tenant's sync settings: what is synced, in which direction, and how conflicts and deletions are handled.
 * Stored as JSON on the tenant; anything missing there takes the default below (DESIGN.md §4).
 */

export const ITEM_KINDS = ['events', 'contacts', 'tasks'] as const;
export type ItemKindName = (typeof ITEM_KINDS)[number];

export const DIRECTIONS = ['two-way', 'exchange-to-nextcloud', 'nextcloud-to-exchange'] as const;
export type Direction = (typeof DIRECTIONS)[number];

export const CONFLICT_POLICIES = ['exchange-wins', 'nextcloud-wins', 'newest', 'keep-both'] as const;
export type ConflictPolicy = { kind: (typeof CONFLICT_POLICIES)[number] };

/** `propagate` applies deletions until a run exceeds a threshold (then quarantines); `never` quarantines all. */
export type DeletionPolicy = { kind: 'propagate'; maxPercent: number; maxCount: number } | { kind: 'never' };

export interface SyncSettings {
  window: { daysBack: number; daysAhead: number };
  intervalMinutes: number;
  itemKinds: Record<ItemKindName, { enabled: boolean; direction: Direction }>;
  conflictPolicy: ConflictPolicy;
  deletionPolicy: DeletionPolicy;
}

export const DEFAULT_SETTINGS: SyncSettings = {
  window: { daysBack: 30, daysAhead: 180 },
  intervalMinutes: 15,
  itemKinds: {
    events: { enabled: true, direction: 'two-way' },
    contacts: { enabled: true, direction: 'two-way' },
    tasks: { enabled: true, direction: 'two-way' },
  },
  conflictPolicy: { kind: 'exchange-wins' },
  deletionPolicy: { kind: 'propagate', maxPercent: 20, maxCount: 50 },
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Settings as stored (possibly `{}` or partial from an older version) completed with defaults. */
export function withDefaults(stored: unknown): SyncSettings {
  const s = isObject(stored) ? stored : {};
  const window = isObject(s.window) ? s.window : {};
  const kinds = isObject(s.itemKinds) ? s.itemKinds : {};
  const itemKinds = { ...DEFAULT_SETTINGS.itemKinds };
  for (const k of ITEM_KINDS) {
    const v = kinds[k];
    if (isObject(v)) itemKinds[k] = { ...DEFAULT_SETTINGS.itemKinds[k], ...(v as object) };
  }
  return {
    window: { ...DEFAULT_SETTINGS.window, ...(window as object) },
    intervalMinutes: typeof s.intervalMinutes === 'number' ? s.intervalMinutes : DEFAULT_SETTINGS.intervalMinutes,
    itemKinds,
    conflictPolicy: isObject(s.conflictPolicy)
      ? (s.conflictPolicy as ConflictPolicy)
      : { ...DEFAULT_SETTINGS.conflictPolicy },
    deletionPolicy: isObject(s.deletionPolicy)
      ? (s.deletionPolicy as DeletionPolicy)
      : { ...DEFAULT_SETTINGS.deletionPolicy },
  };
}

/** Rules a JSON schema cannot express; returns the first broken rule in words, or undefined. */
export function settingsProblem(s: SyncSettings): string | undefined {
  if (s.window.daysBack + s.window.daysAhead > 3650) {
    return 'window.daysBack + window.daysAhead must not exceed 3650 days (ten years)';
  }
  return undefined;
}
