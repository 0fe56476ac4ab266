/**
 * MAPI properties Exchange computes for every folder and item, so clients can ask for them by PropertyTag (or by
 * named property) in shapes and restrictions without having stored them: container class, counts, times, message
 * class, URL name, the appointment's PidLidRecurring, ... Stored values of the same property win (a client may
 * set PR_URL_COMP_NAME itself, as DavMail does).
 * Tags: MS-OXPROPS (https://learn.microsoft.com/en-us/openspecs/exchange_server_protocols/ms-oxprops/).
 */
import type { MailboxStore } from '../store/mailbox-store';
import type { ExtendedProperty, Folder, Item } from '../store/types';
import { dateTime, extendedKey } from './items/common';
import { mappedKeys, mappedProperties } from './items/mapi-fields';

const APPOINTMENT_SET = '00062002-0000-0000-c000-000000000046';
const tag = (id: number, type: string, value: string): ExtendedProperty => ({ propertySetId: 'Tag', id, type, value });
const named = (propertySetId: string, id: number, type: string, value: string): ExtendedProperty => ({
  propertySetId,
  id,
  type,
  value,
});
const byName = (propertySetId: string, name: string, type: string, value: string): ExtendedProperty => ({
  propertySetId,
  name,
  type,
  value,
});

/** calendar:CalendarItemType as the WebDAV-era urn:schemas:calendar:instancetype number. */
const INSTANCE_TYPE = { Single: 0, RecurringMaster: 1, Occurrence: 2, Exception: 3 } as const;
export type CalendarItemType = keyof typeof INSTANCE_TYPE;

export const MESSAGE_CLASS: Record<Item['kind'], string> = {
  event: 'IPM.Appointment',
  contact: 'IPM.Contact',
  distributionList: 'IPM.DistList',
  task: 'IPM.Task',
};

/** When anything in the folder last changed (PR_LOCAL_COMMIT_TIME_MAX): clients use it as a collection tag. */
export function folderLastChange(store: MailboxStore, f: Folder): number {
  return store.journal(f.id).at(-1)?.at ?? store.clock.startedAt;
}

export function computedFolderProperties(store: MailboxStore, f: Folder): ExtendedProperty[] {
  const count = store.countItems(f.id);
  const last = dateTime(folderLastChange(store, f));
  const subfolders = store.childFolders(f).length > 0;
  const out = [
    tag(0x3001, 'String', f.displayName), // PR_DISPLAY_NAME
    tag(0x3602, 'Integer', String(count)), // PR_CONTENT_COUNT
    tag(0x3603, 'Integer', '0'), // PR_CONTENT_UNREAD
    tag(0x360a, 'Boolean', String(subfolders)), // PR_SUBFOLDERS
    tag(0x3008, 'SystemTime', last), // PR_LAST_MODIFICATION_TIME
    tag(0x670a, 'SystemTime', last), // PR_LOCAL_COMMIT_TIME_MAX
    tag(0x10f3, 'String', f.displayName), // PR_URL_COMP_NAME
  ];
  const cls = f.folderClass;
  if (cls) out.push(tag(0x3613, 'String', cls)); // PR_CONTAINER_CLASS
  return out;
}

export function computedItemProperties(item: Item, calendarItemType?: CalendarItemType): ExtendedProperty[] {
  const subject = item.kind === 'event' ? item.subject : item.kind === 'task' ? item.title : item.displayName;
  const out = [
    ...mappedProperties(item),
    tag(0x001a, 'String', MESSAGE_CLASS[item.kind]), // PR_MESSAGE_CLASS
    tag(0x0037, 'String', subject), // PR_SUBJECT
    tag(0x3007, 'SystemTime', dateTime(item.createdAt)), // PR_CREATION_TIME
    tag(0x3008, 'SystemTime', dateTime(item.lastModifiedAt)), // PR_LAST_MODIFICATION_TIME
    tag(0x10f3, 'String', `${item.key.toString(16).padStart(8, '0')}.EML`), // PR_URL_COMP_NAME
    tag(0x0e07, 'Integer', '1'), // PR_MESSAGE_FLAGS: read
    tag(0x0e23, 'Integer', String(item.key)), // PR_INTERNET_ARTICLE_NUMBER: grows with every new item
  ];
  if (item.kind === 'event') {
    const recurring = String(item.recurrence !== undefined);
    const type = calendarItemType ?? (item.recurrence ? 'RecurringMaster' : 'Single');
    // Named properties answer under the GUID and under their DistinguishedPropertySetId alike.
    for (const set of [APPOINTMENT_SET, 'Appointment']) {
      out.push(named(set, 0x8223, 'Boolean', recurring)); // PidLidRecurring
      out.push(named(set, 0x8215, 'Boolean', String(item.isAllDay))); // PidLidAppointmentSubType
    }
    out.push(byName('PublicStrings', 'urn:schemas:calendar:instancetype', 'Integer', String(INSTANCE_TYPE[type])));
  }
  return out;
}

/**
 * The shape key of every property `computedItemProperties` can yield for an item of a kind, whatever its values
 * (a test holds each computed property to this set): a shape asking for none of them — exsync's own named
 * properties, say — needs no computed property built for each item it renders.
 */
const COMPUTABLE_KEYS: Record<Item['kind'], ReadonlySet<string>> = {
  event: computableKeys('event'),
  contact: computableKeys('contact'),
  distributionList: computableKeys('distributionList'),
  task: computableKeys('task'),
};

function computableKeys(kind: Item['kind']): ReadonlySet<string> {
  const tags: [number, string][] = [
    [0x001a, 'String'],
    [0x0037, 'String'],
    [0x3007, 'SystemTime'],
    [0x3008, 'SystemTime'],
    [0x10f3, 'String'],
    [0x0e07, 'Integer'],
    [0x0e23, 'Integer'],
  ];
  const keys = [...mappedKeys(kind), ...tags.map(([id, type]) => extendedKey(tag(id, type, '')))];
  if (kind === 'event') {
    for (const set of [APPOINTMENT_SET, 'Appointment']) {
      keys.push(extendedKey(named(set, 0x8223, 'Boolean', '')), extendedKey(named(set, 0x8215, 'Boolean', '')));
    }
    keys.push(extendedKey(byName('PublicStrings', 'urn:schemas:calendar:instancetype', 'Integer', '')));
  }
  return new Set(keys);
}

export function computableItemKeys(kind: Item['kind']): ReadonlySet<string> {
  return COMPUTABLE_KEYS[kind];
}

/** One value per property: the first of each key wins (stored before mapped before computed). */
function uniqueByKey(list: ExtendedProperty[]): ExtendedProperty[] {
  const seen = new Set<string>();
  return list.filter((p) => {
    const k = keyOf(p);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function keyOf(p: ExtendedProperty): string {
  return `${p.propertySetId.toLowerCase()}|${p.name ?? ''}|${p.id ?? ''}|${p.type}`;
}

/**
 * The extended properties a shape asks for: `effectiveProperties(stored, computed)` filtered by the shape's keys,
 * with the filter applied first (computed properties sharing a de-duplication key also share their shape key, so
 * the order of the two filters does not matter) — the de-duplication then runs over the few wanted properties
 * instead of every computed one, for every item rendered.
 */
export function shapedExtendedProperties(
  shape: { readonly extended: ReadonlySet<string> },
  stored: readonly ExtendedProperty[],
  computed: () => ExtendedProperty[],
  computable?: ReadonlySet<string>,
): ExtendedProperty[] {
  const wanted = shape.extended;
  if (wanted.size === 0) return [];
  const own = stored.length === 0 ? [] : wantedOf(wanted, stored);
  // No wanted key among those `computed` can yield: its wanted part is empty, so it is not built at all.
  if (computable && !anyIn(wanted, computable)) return own;
  const have = new Set(stored.map(keyOf));
  return [...own, ...uniqueByKey(wantedOf(wanted, computed())).filter((p) => !have.has(keyOf(p)))];
}

/**
 * The properties whose shape key is wanted. A plain loop rather than a named closure per call: under tsx (keepNames)
 * every named closure is renamed through Object.defineProperty when created, once per item rendered.
 */
function wantedOf(wanted: ReadonlySet<string>, list: readonly ExtendedProperty[]): ExtendedProperty[] {
  const out: ExtendedProperty[] = [];
  for (const p of list) if (wanted.has(extendedKey(p))) out.push(p);
  return out;
}

function anyIn(keys: ReadonlySet<string>, set: ReadonlySet<string>): boolean {
  for (const k of keys) if (set.has(k)) return true;
  return false;
}

/** Stored properties, then the computed ones the item has not stored itself. */
export function effectiveProperties(
  stored: readonly ExtendedProperty[],
  computed: ExtendedProperty[],
): ExtendedProperty[] {
  const have = new Set(stored.map(keyOf));
  return [...stored, ...uniqueByKey(computed).filter((p) => !have.has(keyOf(p)))];
}
