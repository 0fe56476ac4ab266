import { wallToUtc } from '../../recurrence';
import { extendedPropertyKey } from '../../store/extended-properties';
import type { MailboxStore } from '../../store/mailbox-store';
import type { EmailAddress, ExtendedProperty, Importance, ItemBody, Sensitivity } from '../../store/types';
import { EwsFault, EwsItemError } from '../errors';
import { T } from '../xml/namespaces';
import { child, childrenOf, type XNode } from '../xml/parse';
import { el, esc, tx } from '../xml/write';

/** EWS renders instants in UTC with `Z` and no fraction, as Exchange does. */
/** Formatted times, remembered: a listing writes the same creation, change and start times over and over. */
const formatted = new Map<number, string>();

export function dateTime(ms: number): string {
  let s = formatted.get(ms);
  if (s === undefined) {
    s = new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
    if (formatted.size > 100_000) formatted.clear();
    formatted.set(ms, s);
  }
  return s;
}

/**
 * Reads an xs:dateTime. Without an offset it is wall time in `zone` (StartTimeZone, then TimeZoneContext, then
 * UTC), per "Time zones and EWS".
 */
export function parseDateTime(s: string, zone = 'UTC'): number {
  const v = s.trim();
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(Z|[+-]\d{2}:\d{2})?$/.exec(v);
  if (!m) throw new EwsItemError('ErrorSchemaValidation', `"${v}" is not a valid xs:dateTime.`);
  const [, y, mo, d, h = '0', mi = '0', se = '0', off] = m;
  if (off) {
    const t = Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v);
    if (Number.isNaN(t)) throw new EwsItemError('ErrorSchemaValidation', `"${v}" is not a valid xs:dateTime.`);
    return t;
  }
  return wallToUtc({ year: +y!, month: +mo!, day: +d!, hour: +h, minute: +mi, second: +se }, zone);
}

export function bool(s: string | undefined): boolean | undefined {
  if (s === undefined) return undefined;
  return s.trim() === 'true' || s.trim() === '1';
}

export const SENSITIVITY_OUT: Record<Sensitivity, string> = {
  normal: 'Normal',
  personal: 'Personal',
  private: 'Private',
  confidential: 'Confidential',
};
export const IMPORTANCE_OUT: Record<Importance, string> = { low: 'Low', normal: 'Normal', high: 'High' };

export function reverse<K extends string>(m: Record<K, string>): Record<string, K> {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [v, k])) as Record<string, K>;
}
export const SENSITIVITY_IN = reverse(SENSITIVITY_OUT);
export const IMPORTANCE_IN = reverse(IMPORTANCE_OUT);

export function enumIn<V>(map: Record<string, V>, s: string | undefined, what: string): V | undefined {
  if (s === undefined) return undefined;
  const v = map[s.trim()];
  if (v === undefined) throw new EwsItemError('ErrorSchemaValidation', `"${s}" is not a valid ${what}.`);
  return v;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** HTML to plain text the way Exchange's converter roughly does: block ends become line breaks, tags vanish. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|tr|h[1-6])>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&(#\d+|#x[0-9a-f]+|\w+);/gi, (m, e: string) => {
      if (!e.startsWith('#')) return ENTITIES[e.toLowerCase()] ?? m;
      const cp = e[1] === 'x' || e[1] === 'X' ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1));
      return Number.isInteger(cp) && cp >= 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
    })
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export function textToHtml(text: string): string {
  return `<html><body>${esc(text).replace(/\r?\n/g, '<br>')}</body></html>`;
}

/** t:Body, converted when the shape asks for a BodyType other than the stored one. */
export function bodyXml(b: ItemBody, want: 'Best' | 'HTML' | 'Text' = 'Best'): string {
  if (want === 'Text' && b.contentType === 'html') return tx('t:Body', htmlToText(b.content), { BodyType: 'Text' });
  if (want === 'HTML' && b.contentType === 'text') return tx('t:Body', textToHtml(b.content), { BodyType: 'HTML' });
  return tx('t:Body', b.content, { BodyType: b.contentType === 'html' ? 'HTML' : 'Text' });
}

export function parseBody(n: XNode | undefined): ItemBody | undefined {
  if (!n) return undefined;
  if (n.children.length) {
    // Markup must arrive escaped; raw child elements fail schema validation on a real server too.
    throw new EwsFault(
      'ErrorSchemaValidation',
      'The request failed schema validation: Body has child elements (unescaped markup).',
    );
  }
  return { contentType: n.attrs.BodyType === 'HTML' ? 'html' : 'text', content: n.text };
}

export function categoriesXml(c: readonly string[]): string {
  return c.length ? el('t:Categories', undefined, ...c.map((s) => tx('t:String', s))) : '';
}

export function parseCategories(n: XNode | undefined): string[] | undefined {
  return n ? childrenOf(n, T, 'String').map((s) => s.text) : undefined;
}

export function mailboxXml(e: EmailAddress, mailboxType?: string): string {
  return el(
    't:Mailbox',
    undefined,
    tx('t:Name', e.name ?? e.address),
    tx('t:EmailAddress', e.address),
    tx('t:RoutingType', 'SMTP'),
    mailboxType ? tx('t:MailboxType', mailboxType) : '',
  );
}

export function parseMailbox(n: XNode | undefined): EmailAddress | undefined {
  const mb = child(n, T, 'Mailbox') ?? n;
  const address = child(mb, T, 'EmailAddress')?.text.trim();
  if (!address) return undefined;
  const name = child(mb, T, 'Name')?.text;
  return name ? { name, address } : { address };
}

/* ------------------------------------------------------------ extended properties */

export type ExtendedFieldRef = Omit<ExtendedProperty, 'value'>;

/** Reads a t:ExtendedFieldURI (PropertySetId/DistinguishedPropertySetId + PropertyName/PropertyId, or PropertyTag). */
export function parseExtendedFieldUri(n: XNode): ExtendedFieldRef {
  const a = n.attrs;
  const type = a.PropertyType;
  if (!type) throw new EwsItemError('ErrorSchemaValidation', 'ExtendedFieldURI needs a PropertyType.');
  if (a.PropertyTag) {
    const tag = Number(a.PropertyTag);
    if (!Number.isInteger(tag))
      throw new EwsItemError('ErrorInvalidPropertyRequest', `Bad PropertyTag "${a.PropertyTag}".`);
    return { propertySetId: 'Tag', id: tag, type };
  }
  const set = a.PropertySetId?.toLowerCase().replace(/[{}]/g, '') ?? a.DistinguishedPropertySetId;
  if (!set) throw new EwsItemError('ErrorInvalidPropertyRequest', 'ExtendedFieldURI needs a property set or a tag.');
  if (a.PropertyName !== undefined) return { propertySetId: set, name: a.PropertyName, type };
  if (a.PropertyId !== undefined) {
    const id = Number(a.PropertyId);
    if (!Number.isInteger(id))
      throw new EwsItemError('ErrorInvalidPropertyRequest', `Bad PropertyId "${a.PropertyId}".`);
    return { propertySetId: set, id, type };
  }
  throw new EwsItemError('ErrorInvalidPropertyRequest', 'ExtendedFieldURI needs PropertyName or PropertyId.');
}

export function extendedKey(r: ExtendedFieldRef): string {
  if (r.propertySetId === 'Tag') return `${r.type} Tag 0x${(r.id ?? 0).toString(16)}`;
  return extendedPropertyKey(r);
}

function extendedFieldUriXml(p: ExtendedFieldRef): string {
  if (p.propertySetId === 'Tag') {
    return `<t:ExtendedFieldURI PropertyTag="0x${(p.id ?? 0).toString(16)}" PropertyType="${esc(p.type)}"/>`;
  }
  const isGuid = /^[0-9a-f-]{36}$/i.test(p.propertySetId);
  const set = isGuid
    ? `PropertySetId="${esc(p.propertySetId)}"`
    : `DistinguishedPropertySetId="${esc(p.propertySetId)}"`;
  const id = p.name !== undefined ? `PropertyName="${esc(p.name)}"` : `PropertyId="${p.id ?? 0}"`;
  return `<t:ExtendedFieldURI ${set} ${id} PropertyType="${esc(p.type)}"/>`;
}

export function extendedPropertyXml(p: ExtendedProperty): string {
  const value = Array.isArray(p.value)
    ? el('t:Values', undefined, ...p.value.map((v) => tx('t:Value', v)))
    : tx('t:Value', p.value);
  return el('t:ExtendedProperty', undefined, extendedFieldUriXml(p), value);
}

export function parseExtendedProperty(n: XNode): ExtendedProperty {
  const uri = child(n, T, 'ExtendedFieldURI');
  if (!uri) throw new EwsItemError('ErrorSchemaValidation', 'ExtendedProperty needs an ExtendedFieldURI.');
  const ref = parseExtendedFieldUri(uri);
  const values = child(n, T, 'Values');
  const value = values ? childrenOf(values, T, 'Value').map((v) => v.text) : (child(n, T, 'Value')?.text ?? '');
  return { ...ref, value };
}

/** An item's t:ParentFolderId, or nothing when its folder is no longer in the store. */
export function parentFolderIdXml(store: MailboxStore, folderKey: number): string {
  const folder = store.folderByKey(folderKey);
  return folder ? `<t:ParentFolderId Id="${folder.id}" ChangeKey="${folder.changeKey}"/>` : '';
}

/** Sets the item:* fields events and tasks store under the same names; false when `c` is none of them. */
export function parseSharedItemField(c: XNode, patch: Record<string, unknown>): boolean {
  switch (c.name) {
    case 'Sensitivity':
      patch.sensitivity = enumIn(SENSITIVITY_IN, c.text, 'Sensitivity');
      return true;
    case 'Body':
      patch.body = parseBody(c);
      return true;
    case 'Categories':
      patch.categories = parseCategories(c);
      return true;
    case 'Importance':
      patch.importance = enumIn(IMPORTANCE_IN, c.text, 'Importance');
      return true;
    case 'ReminderIsSet':
      patch.isReminderOn = bool(c.text);
      return true;
    default:
      return false;
  }
}
