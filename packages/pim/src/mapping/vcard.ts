import { createHash } from 'node:crypto';
import type {
  ContactGroupItem,
  ContactItem,
  GroupMember,
  PostalAddress,
  StructuredName,
  TypedValue,
} from '@exsync/core';
import ICAL from 'ical.js';
import type { JComp, JProp } from '../text/jcal';
import { prop, props, removeProps, setProp, text } from '../text/jcal';
import { deepEqual } from './fields';
import {
  fromAddress,
  fromPartialDate,
  fromPhoto,
  toAddress,
  toPartialDate,
  toPhoto,
  toTyped,
  typedParams,
  typesOf,
  type VCardVersion,
} from './vcard-values';

type Contact = Omit<ContactItem, 'kind' | 'uid'>;
type Field<K extends keyof Contact> = {
  read(c: JComp): Contact[K];
  write(c: JComp, v: Contact[K], version: VCardVersion): void;
};

/** Instant-messaging properties older clients write instead of IMPP, with the URI scheme each stands for. */
const IM_PROPS: Record<string, string> = {
  'x-aim': 'aim',
  'x-icq': 'icq',
  'x-jabber': 'xmpp',
  'x-msn': 'msnim',
  'x-yahoo': 'ymsgr',
  'x-skype': 'skype',
  'x-skype-username': 'skype',
  'x-gadugadu': 'gg',
  'x-google-talk': 'xmpp',
  'x-groupwise': 'groupwise',
  'x-twitter': 'twitter',
};

/** The value type ical.js writes without a VALUE parameter for this property in this vCard version. */
export function defaultType(name: string, version: VCardVersion): string {
  const design = ICAL.design.getDesignSet(version === '4.0' ? 'vcard' : 'vcard3');
  return (design.property[name] as { defaultType?: string } | undefined)?.defaultType ?? 'unknown';
}

export function versionOf(card: JComp): VCardVersion {
  return text(card, 'version') === '4.0' ? '4.0' : '3.0';
}

const stringOf = (v: unknown) => (Array.isArray(v) ? v.join(',') : String(v ?? '')).trim();

/**
 * A list of typed values (EMAIL, TEL, URL, IMPP…): matched by value, so an unchanged entry keeps its line
 * (group prefix, X-ABLabel ties, unmapped parameters) and a changed one only gets new TYPE/PREF.
 */
function typedList(
  names: readonly string[],
  valueOfProp: (p: JProp) => string | undefined,
  create: (v: TypedValue, version: VCardVersion) => JProp,
): Field<'emails'> {
  const sources = (c: JComp) => c[1].filter((p) => names.includes(p[0]));
  return {
    read: (c) =>
      sources(c).flatMap((p) => {
        const v = valueOfProp(p);
        return v ? [toTyped(p, v)] : [];
      }),
    write: (c, list, version) => {
      const existing = sources(c);
      const kept = new Set<JProp>();
      const fresh: JProp[] = [];
      // First pass: same value. Second: a changed value takes over the next unused line, keeping its place,
      // group prefix and unmapped parameters.
      const matched = list.map((item) => {
        const base = existing.find((p) => !kept.has(p) && valueOfProp(p) === item.value);
        if (base) kept.add(base);
        return base;
      });
      list.forEach((item, i) => {
        let base = matched[i];
        if (!base) {
          base = existing.find((p) => !kept.has(p) && p[0] === names[0]);
          if (base) {
            kept.add(base);
            base.length = 3;
            base.push(item.value);
          }
        }
        if (!base) {
          const p = create(item, version);
          p[1] = typedParams(undefined, item, version);
          fresh.push(p);
        } else if (!deepEqual(toTyped(base, item.value), item)) base[1] = typedParams(base[1], item, version);
      });
      c[1] = c[1].filter((p) => !names.includes(p[0]) || kept.has(p));
      c[1].push(...fresh);
    },
  };
}

const imppValue = (p: JProp): string | undefined => {
  const v = stringOf(p[3]);
  if (v === '') return undefined;
  const scheme = IM_PROPS[p[0]];
  return scheme && !v.includes(':') ? `${scheme}:${v}` : v;
};

const textProp = (name: string): Field<'title'> => ({
  read: (c) => text(c, name),
  write: (c, v) => void setProp(c, name, 'text', v || undefined),
});

const singleProp = <K extends keyof Contact>(
  name: string,
  read: (p: JProp) => Contact[K],
  write: (v: NonNullable<Contact[K]>, version: VCardVersion, base?: JProp) => JProp,
  alternatives: readonly string[] = [],
): Field<K> => ({
  read: (c) => {
    const p = [name, ...alternatives].map((n) => prop(c, n)).find((x) => x !== undefined);
    return p ? read(p) : undefined!;
  },
  write: (c, v, version) => {
    const base = [name, ...alternatives].map((n) => prop(c, n)).find((x) => x !== undefined);
    if (v === undefined) {
      for (const n of [name, ...alternatives]) removeProps(c, n);
      return;
    }
    const next = write(v as NonNullable<Contact[K]>, version, base);
    if (base) base.splice(0, base.length, ...next);
    else c[1].push(next);
  },
});

const NAME_KEYS = ['family', 'given', 'additional', 'prefix', 'suffix'] as const;

// biome-ignore lint/suspicious/noExplicitAny: each entry is typed by its builder; the table only dispatches
type AnyContactField = { read(c: JComp): any; write(c: JComp, v: any, version: VCardVersion): void };

const contactFields: Record<keyof Contact, AnyContactField> = {
  formattedName: textProp('fn'),
  name: singleProp<'name'>(
    'n',
    (p) => {
      const parts = Array.isArray(p[3]) ? (p[3] as unknown[]) : [p[3]];
      const n: Record<string, string> = {};
      NAME_KEYS.forEach((k, i) => {
        const s = stringOf(parts[i]);
        if (s !== '') n[k] = s;
      });
      return Object.keys(n).length > 0 ? (n as StructuredName) : undefined;
    },
    (n, _v, base) => ['n', { ...base?.[1] }, 'text', NAME_KEYS.map((k) => n[k] ?? '')],
  ),
  nickname: {
    read: (c) => {
      const p = prop(c, 'nickname');
      const v = p ? p.slice(3).map(stringOf).filter(Boolean).join(', ') : '';
      return v === '' ? undefined : v;
    },
    write: (c, v) => void setProp(c, 'nickname', 'text', v || undefined),
  },
  emails: typedList(
    ['email'],
    (p) => stringOf(p[3]) || undefined,
    (v, version) => ['email', {}, defaultType('email', version), v.value],
  ),
  phones: typedList(
    ['tel'],
    (p) => stringOf(p[3]) || undefined,
    (v, version) => ['tel', {}, defaultType('tel', version), v.value],
  ),
  addresses: {
    read: (c) => {
      const labels = labelPairs(c);
      return props(c, 'adr').map((p) => readAddress(p, labels));
    },
    write: (c, list, version) => {
      const existing = props(c, 'adr');
      const labels = labelPairs(c);
      const kept = new Set<JProp>();
      const fresh: JProp[] = [];
      const dropped = new Set<JProp>();
      (list as readonly PostalAddress[]).forEach((a, i) => {
        // Addresses have no identity of their own: match by position, the way every client lists them.
        const base = existing[i];
        if (base && deepEqual(readAddress(base, labels), a)) {
          kept.add(base);
          return;
        }
        const adr = fromAddress(a, version, base);
        if (base) {
          kept.add(base);
          base.splice(0, base.length, ...adr);
        } else fresh.push(adr);
        if (version === '3.0' && adr[1].label === undefined) {
          const label = writeLabel(labels.get(base!), a, adr);
          if (label === undefined) {
            const old = labels.get(base!);
            if (old) dropped.add(old);
          } else if (!c[1].includes(label)) fresh.push(label);
        }
      });
      for (const p of existing) {
        const label = labels.get(p);
        if (!kept.has(p) && label) dropped.add(label);
      }
      c[1] = c[1].filter((p) => (p[0] !== 'adr' || kept.has(p)) && !dropped.has(p));
      c[1].push(...fresh);
    },
  },
  organization: singleProp<'organization'>(
    'org',
    (p) => {
      const parts = (Array.isArray(p[3]) ? (p[3] as unknown[]) : [p[3]]).map(stringOf);
      const name = parts[0];
      const units = parts.slice(1).filter((u) => u !== '');
      if (!name && units.length === 0) return undefined;
      return name ? { name, units } : { units };
    },
    (o, _v, base) => ['org', { ...base?.[1] }, 'text', [o.name ?? '', ...o.units]],
  ),
  title: textProp('title'),
  role: textProp('role'),
  birthday: singleProp<'birthday'>('bday', toPartialDate, fromPartialDate),
  anniversary: singleProp<'anniversary'>(
    'anniversary',
    toPartialDate,
    (d, version, base) => {
      const p = fromPartialDate(d, version, base);
      p[0] = base?.[0] ?? (version === '4.0' ? 'anniversary' : 'x-anniversary');
      return p;
    },
    ['x-anniversary', 'x-ms-anniversary', 'x-evolution-anniversary'],
  ),
  notes: textProp('note'),
  urls: typedList(
    ['url'],
    (p) => stringOf(p[3]) || undefined,
    (v, version) => ['url', {}, defaultType('url', version), v.value],
  ),
  impps: typedList(['impp', ...Object.keys(IM_PROPS)], imppValue, (v, version) => [
    'impp',
    {},
    defaultType('impp', version),
    v.value,
  ]),
  photo: singleProp<'photo'>('photo', toPhoto, fromPhoto),
  categories: {
    read: (c) =>
      props(c, 'categories')
        .flatMap((p) => p.slice(3).map(stringOf))
        .filter(Boolean),
    write: (c, v) => {
      removeProps(c, 'categories');
      if (v.length > 0) c[1].push(['categories', {}, 'text', ...v]);
    },
  },
};

/**
 * vCard 3.0 holds an address's printable label in its own LABEL property (RFC 2426 §3.2.2), tied to its ADR by
 * the same group prefix or, ungrouped, by the same TYPEs; vCard 4.0 holds it as the ADR's LABEL parameter
 * (RFC 6350 §6.3.1), and so do some 3.0 writers. Pairs each ADR without a LABEL parameter with its LABEL line.
 */
function labelPairs(card: JComp): Map<JProp, JProp> {
  const pairs = new Map<JProp, JProp>();
  if (versionOf(card) !== '3.0') return pairs;
  const labels = props(card, 'label');
  const typeKey = (p: JProp) => [...typesOf(p)].sort().join(',');
  for (const adr of props(card, 'adr')) {
    if (adr[1].label !== undefined) continue;
    const group = adr[1].group;
    const label = labels.find(
      (l) =>
        ![...pairs.values()].includes(l) &&
        l[1].group === group &&
        (group !== undefined || typeKey(l) === typeKey(adr)),
    );
    if (label) pairs.set(adr, label);
  }
  return pairs;
}

function readAddress(adr: JProp, labels: Map<JProp, JProp>): PostalAddress {
  const a = toAddress(adr);
  const label = labels.get(adr);
  const text = label ? stringOf(label[3]) : '';
  return a.label === undefined && text !== '' ? { ...a, label: text } : a;
}

/**
 * The LABEL line for a vCard 3.0 address written as `adr`: the existing one updated (its TYPEs kept in step with
 * the ADR's, or the pairing would not find it again), a new one, or undefined when the address has no label.
 */
function writeLabel(existing: JProp | undefined, a: PostalAddress, adr: JProp): JProp | undefined {
  if (!a.label) return undefined;
  const group = adr[1].group;
  const params = typedParams(existing?.[1], { types: a.types }, '3.0');
  if (group !== undefined) params.group = group;
  if (!existing) return ['label', params, 'text', a.label];
  if (stringOf(existing[3]) !== a.label) existing.splice(3, existing.length - 3, a.label);
  if (!deepEqual([...typesOf(existing)].sort(), [...a.types].sort())) existing[1] = params;
  return existing;
}

/**
 * A UID for a card that has none (exported cards; DAV servers that did not add one on upload). It must not change
 * when the card is edited, or every edit would look like a delete and a create: the DAV resource name is the
 * card's stable identity there; without one, the name the card is filed under (KIND, N, FN) is, so editing a
 * phone or an address keeps the UID (renaming a UID-less card outside DAV does not).
 */
function derivedUid(card: JComp, href: string | undefined): string {
  const fromHref = href === undefined ? undefined : resourceName(href);
  if (fromHref) return fromHref;
  const identity = ['kind', 'x-addressbookserver-kind', 'n', 'fn'].map((name) =>
    JSON.stringify(prop(card, name)?.slice(3)),
  );
  return `exsync-${createHash('sha256').update(identity.join('\n')).digest('hex').slice(0, 32)}`;
}

/** `/…/contacts/abc-123.vcf` → `abc-123`: the last path segment, percent-decoded, without its extension. */
function resourceName(href: string): string | undefined {
  const segment = href.split(/[?#]/)[0]!.split('/').filter(Boolean).pop() ?? '';
  let name = segment;
  try {
    name = decodeURIComponent(segment);
  } catch {
    // Not valid percent-encoding: the segment as written is still stable.
  }
  name = name.replace(/\.(vcf|vcard|ics)$/i, '').trim();
  return name === '' ? undefined : name;
}

function isGroup(card: JComp): boolean {
  const kind = (text(card, 'kind') ?? text(card, 'x-addressbookserver-kind') ?? '').toLowerCase();
  return kind === 'group';
}

const MEMBER_PROPS = ['member', 'x-addressbookserver-member'];

function toMember(p: JProp): GroupMember | undefined {
  const v = stringOf(p[3]);
  if (v === '') return undefined;
  if (/^mailto:/i.test(v)) return { email: v.replace(/^mailto:/i, '') };
  return { uid: v.replace(/^urn:uuid:/i, '') };
}

function fromMember(m: GroupMember, name: string): JProp {
  const v = m.uid ? `urn:uuid:${m.uid}` : `mailto:${m.email ?? ''}`;
  return [name, {}, name === 'member' ? 'uri' : 'unknown', v];
}

export function readContactOrGroup(card: JComp, href?: string): ContactItem | ContactGroupItem {
  const uid = text(card, 'uid') ?? derivedUid(card, href);
  if (isGroup(card)) {
    const members = card[1].filter((p) => MEMBER_PROPS.includes(p[0])).flatMap((p) => toMember(p) ?? []);
    const group: Record<string, unknown> = {
      kind: 'group',
      uid,
      name: text(card, 'fn') ?? '',
      members,
      categories: contactFields.categories.read(card),
    };
    const notes = text(card, 'note');
    if (notes) group.notes = notes;
    return group as unknown as ContactGroupItem;
  }
  const out: Record<string, unknown> = { kind: 'contact', uid };
  for (const [key, f] of Object.entries(contactFields)) {
    const v = (f as Field<keyof Contact>).read(card);
    if (v !== undefined) out[key] = v;
  }
  const contact = out as unknown as ContactItem;
  // FN is mandatory; for cards that lack it, the model carries the name every writer would derive.
  return contact.formattedName === undefined ? { ...contact, formattedName: displayName(contact) } : contact;
}

export function writeContact(card: JComp, before: ContactItem | undefined, after: ContactItem): void {
  const version = versionOf(card);
  if (before?.uid !== after.uid) setProp(card, 'uid', 'text', after.uid);
  for (const [key, f] of Object.entries(contactFields) as [keyof Contact, Field<keyof Contact>][]) {
    if (before && deepEqual(before[key], after[key])) continue;
    f.write(card, after[key], version);
  }
  // vCard requires FN; derive one rather than write an invalid card.
  if (!before && !prop(card, 'fn')) setProp(card, 'fn', 'text', displayName(after));
}

export function writeGroup(card: JComp, before: ContactGroupItem | undefined, after: ContactGroupItem): void {
  const version = versionOf(card);
  if (before?.uid !== after.uid) setProp(card, 'uid', 'text', after.uid);
  if (!before) {
    if (version === '4.0') setProp(card, 'kind', 'text', 'group');
    else setProp(card, 'x-addressbookserver-kind', 'unknown', 'group');
  }
  if (before?.name !== after.name) setProp(card, 'fn', 'text', after.name);
  if (before?.notes !== after.notes) setProp(card, 'note', 'text', after.notes || undefined);
  if (!before || !deepEqual(before.categories, after.categories))
    contactFields.categories.write(card, after.categories, version);
  if (before && deepEqual(before.members, after.members)) return;
  const existing = card[1].filter((p) => MEMBER_PROPS.includes(p[0]));
  const name = existing[0]?.[0] ?? (version === '4.0' || prop(card, 'kind') ? 'member' : 'x-addressbookserver-member');
  const kept = new Set<JProp>();
  const fresh: JProp[] = [];
  for (const m of after.members) {
    const base = existing.find((p) => !kept.has(p) && deepEqual(toMember(p), m));
    if (base) kept.add(base);
    else fresh.push(fromMember(m, name));
  }
  card[1] = card[1].filter((p) => !MEMBER_PROPS.includes(p[0]) || kept.has(p));
  card[1].push(...fresh);
}

function displayName(c: ContactItem): string {
  const n = c.name;
  const fromName = [n?.prefix, n?.given, n?.additional, n?.family, n?.suffix].filter(Boolean).join(' ');
  return fromName || c.organization?.name || c.emails[0]?.value || c.uid;
}
