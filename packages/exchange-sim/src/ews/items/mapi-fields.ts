/**
 * MAPI properties that are the same data as an item's EWS fields: Exchange stores one value, so a client may write
 * it either way (DavMail creates contacts through PR_GIVEN_NAME, PR_SURNAME, ... and tasks through PR_SUBJECT and
 * PidLidTaskDueDate) and read it either way. Tags: MS-OXPROPS; named properties: MS-OXOCNTC, MS-OXOTASK.
 */
import type { ExtendedProperty, Item } from '../../store/types';
import { dateTime, extendedKey, parseDateTime } from './common';

type Conv = 'string' | 'list' | 'date' | 'time';
interface Mapping {
  readonly set: string;
  readonly id: number;
  readonly type: string;
  readonly field: string;
  readonly conv: Conv;
}

const TASK_SET = ['Task', '00062003-0000-0000-c000-000000000046'];
const tag = (id: number, field: string, conv: Conv = 'string', type = 'String'): Mapping[] => [
  { set: 'Tag', id, type, field, conv },
];
const task = (id: number, field: string, conv: Conv, type: string): Mapping[] =>
  TASK_SET.map((set) => ({ set, id, type, field, conv }));

const MAPPINGS: Record<Item['kind'], Mapping[]> = {
  event: [...tag(0x0037, 'subject')],
  task: [
    ...tag(0x0037, 'title'),
    ...task(0x8105, 'dueDateTime', 'time', 'SystemTime'),
    ...task(0x8104, 'startDateTime', 'time', 'SystemTime'),
  ],
  distributionList: [...tag(0x3001, 'displayName')],
  contact: [
    ...tag(0x3001, 'displayName'),
    ...tag(0x3a06, 'givenName'),
    ...tag(0x3a11, 'surname'),
    ...tag(0x3a44, 'middleName'),
    ...tag(0x3a4f, 'nickName'),
    ...tag(0x3a45, 'title'),
    ...tag(0x3a05, 'generation'),
    ...tag(0x3a16, 'companyName'),
    ...tag(0x3a18, 'department'),
    ...tag(0x3a17, 'jobTitle'),
    ...tag(0x3a1c, 'mobilePhone'),
    ...tag(0x3a08, 'businessPhones', 'list'),
    ...tag(0x3a09, 'homePhones', 'list'),
    ...tag(0x3a1f, 'otherPhones', 'list'),
    ...tag(0x3a51, 'businessHomePage'),
    ...tag(0x3a42, 'birthday', 'date', 'SystemTime'),
  ],
};

const matches = (m: Mapping, p: Pick<ExtendedProperty, 'propertySetId' | 'id' | 'name'>) =>
  p.name === undefined && p.id === m.id && p.propertySetId.toLowerCase() === m.set.toLowerCase();

/**
 * Moves the extended properties of a create/update patch that are really fields into those fields (an explicit
 * field of the same patch wins), so the item has one value however it was written.
 */
export function foldMappedProperties(kind: Item['kind'], patch: Record<string, unknown>): void {
  const ext = patch.extendedProperties as ExtendedProperty[] | undefined;
  if (!ext?.length) return;
  const rest: ExtendedProperty[] = [];
  for (const p of ext) {
    const m = MAPPINGS[kind].find((x) => matches(x, p));
    if (!m) {
      rest.push(p);
      continue;
    }
    if (patch[m.field] !== undefined) continue;
    const v = Array.isArray(p.value) ? (p.value[0] ?? '') : p.value;
    patch[m.field] =
      m.conv === 'list' ? [v] : m.conv === 'time' ? parseDateTime(v) : m.conv === 'date' ? v.slice(0, 10) : v;
  }
  if (rest.length) patch.extendedProperties = rest;
  else delete patch.extendedProperties;
}

/** The shape keys (`extendedKey`) of every property `mappedProperties` can yield for a kind, set or not. */
export function mappedKeys(kind: Item['kind']): string[] {
  return MAPPINGS[kind].map((m) => extendedKey({ propertySetId: m.set, id: m.id, type: m.type }));
}

/** The mapped properties of an item, computed from its fields (for shapes and restrictions). */
export function mappedProperties(item: Item): ExtendedProperty[] {
  const fields = item as unknown as Record<string, unknown>;
  const out: ExtendedProperty[] = [];
  for (const m of MAPPINGS[item.kind]) {
    const raw = fields[m.field];
    const v = Array.isArray(raw) ? raw[0] : raw;
    if (v === undefined || v === '' || v === null) continue;
    const value =
      m.conv === 'time' ? dateTime(v as number) : m.conv === 'date' ? `${String(v)}T00:00:00Z` : String(v as string);
    out.push({ propertySetId: m.set, id: m.id, type: m.type, value });
  }
  return out;
}
