import type { ExtendedProperty, Item } from '../../store/types';
import { computedItemProperties } from '../computed-props';
import { EwsFault } from '../errors';
import { extendedKey, parseDateTime, parseExtendedFieldUri } from '../items/common';
import { T } from '../xml/namespaces';
import { child, type XNode } from '../xml/parse';

type Value = string | number | boolean | undefined;

/** The item fields a Restriction may name, read from the store model. */
function fieldValue(item: Item, uri: string): Value {
  const i = item as unknown as Record<string, unknown>;
  switch (uri) {
    case 'item:Subject':
      return (i.subject ?? i.title ?? i.displayName) as Value;
    case 'item:ItemClass':
      return { event: 'IPM.Appointment', contact: 'IPM.Contact', distributionList: 'IPM.DistList', task: 'IPM.Task' }[
        item.kind
      ];
    case 'item:LastModifiedTime':
      return item.lastModifiedAt;
    case 'item:DateTimeCreated':
    case 'item:DateTimeReceived':
    case 'item:DateTimeSent':
      return item.createdAt;
    case 'item:Categories':
      return item.categories.join('\n');
    case 'calendar:UID':
      return i.uid as Value;
    case 'calendar:Start':
      return i.start as Value;
    case 'calendar:End':
      return i.end as Value;
    case 'calendar:IsRecurring':
      return i.recurrence !== undefined;
    case 'contacts:DisplayName':
    case 'distributionlist:DisplayName':
      return i.displayName as Value;
    case 'contacts:GivenName':
      return i.givenName as Value;
    case 'contacts:Surname':
      return i.surname as Value;
    case 'task:Status':
      return i.status as Value;
    default:
      throw new EwsFault('ErrorInvalidRequest', `Restrictions on ${uri} are not supported by this simulator.`);
  }
}

/** An extended property's value as restrictions compare it: numbers and times as numbers, booleans as booleans. */
export function extendedValue(p: ExtendedProperty | undefined): Value {
  if (p === undefined) return undefined;
  const v = Array.isArray(p.value) ? p.value.join('\n') : p.value;
  if (p.type === 'Integer' || p.type === 'Long' || p.type === 'Short' || p.type === 'Double') return Number(v);
  if (p.type === 'SystemTime') return parseDateTime(v);
  if (p.type === 'Boolean') return v === 'true';
  return v;
}

/** The value a FieldURI, IndexedFieldURI or ExtendedFieldURI names on an item (stored or computed by Exchange). */
export function pathValue(item: Item, path: XNode): Value {
  if (path.name === 'ExtendedFieldURI') {
    const key = extendedKey(parseExtendedFieldUri(path));
    const stored = item.extendedProperties.find((x) => extendedKey(x) === key);
    return extendedValue(stored ?? computedItemProperties(item).find((x) => extendedKey(x) === key));
  }
  if (path.name === 'IndexedFieldURI') {
    const uri = path.attrs.FieldURI ?? '';
    const index = path.attrs.FieldIndex ?? '';
    if (uri === 'contacts:EmailAddress' && item.kind === 'contact') {
      const m = /^EmailAddress([123])$/.exec(index);
      if (!m) throw new EwsFault('ErrorInvalidRequest', `FieldIndex "${index}" is not an EmailAddress key.`);
      return item.emailAddresses[Number(m[1]) - 1]?.address;
    }
    if (uri === 'contacts:EmailAddress') return undefined;
    throw new EwsFault('ErrorInvalidRequest', `Restrictions on ${uri} are not supported by this simulator.`);
  }
  return fieldValue(item, path.attrs.FieldURI ?? '');
}

/**
 * Orders by SortOrder's FieldOrder list (first key first; an item without the property sorts before those with
 * it in ascending order, as Exchange sorts missing values lowest). Ties keep the incoming order.
 */
export function sortByOrder<T>(list: T[], sortOrder: XNode | undefined, read: (x: T, path: XNode) => Value): T[] {
  const keys = (sortOrder?.children ?? [])
    .filter((n) => n.name === 'FieldOrder')
    .map((n) => {
      const path = n.children[0];
      if (!path) throw new EwsFault('ErrorSchemaValidation', 'The request failed schema validation: empty FieldOrder.');
      const order = n.attrs.Order ?? 'Ascending';
      if (order !== 'Ascending' && order !== 'Descending') {
        throw new EwsFault('ErrorSchemaValidation', `The request failed schema validation: Order "${order}".`);
      }
      return { path, sign: order === 'Ascending' ? 1 : -1 };
    });
  if (keys.length === 0) return list;
  const decorated = list.map((x, i) => ({ x, i, v: keys.map((k) => read(x, k.path)) }));
  decorated.sort((a, b) => {
    for (let k = 0; k < keys.length; k++) {
      const c = compareValues(a.v[k], b.v[k]);
      if (c !== 0) return c * keys[k]!.sign;
    }
    return a.i - b.i;
  });
  return decorated.map((d) => d.x);
}

function compareValues(a: Value, b: Value): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  if (typeof a === 'string' && typeof b === 'string')
    return a.localeCompare(b, 'en', { sensitivity: 'base' }) || (a < b ? -1 : 1);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A comparison's t:Constant, written either bare or inside t:FieldURIOrConstant. */
export function restrictionConstant(n: XNode): string | undefined {
  return child(child(n, T, 'FieldURIOrConstant'), T, 'Constant')?.attrs.Value ?? child(n, T, 'Constant')?.attrs.Value;
}

/** t:Contains, honouring ContainmentComparison (IgnoreCase) and ContainmentMode (Substring, Prefixed, FullString). */
export function containsMatches(n: XNode, value: string, constant: string): boolean {
  const ci = (n.attrs.ContainmentComparison ?? '').includes('IgnoreCase');
  const [a, b] = ci ? [value.toLowerCase(), constant.toLowerCase()] : [value, constant];
  const mode = n.attrs.ContainmentMode ?? 'Substring';
  return mode === 'FullString' ? a === b : mode === 'Prefixed' ? a.startsWith(b) : a.includes(b);
}

function constantFor(n: XNode, like: Value): Value {
  const raw = restrictionConstant(n);
  if (raw === undefined) return undefined;
  // Numbers are either integers (a numeric constant) or times (an xs:dateTime constant).
  if (typeof like === 'number') return /^-?\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : parseDateTime(raw);
  if (typeof like === 'boolean') return raw === 'true';
  return raw;
}

/** Evaluates an EWS Restriction (types.xsd SearchExpressionType) against an item. */
export function matchesRestriction(item: Item, restriction: XNode | undefined): boolean {
  if (!restriction) return true;
  const test = (n: XNode): boolean => {
    switch (n.name) {
      case 'And':
        return n.children.every(test);
      case 'Or':
        return n.children.some(test);
      case 'Not':
        return !n.children.every(test);
    }
    const path = n.children[0];
    if (!path)
      throw new EwsFault('ErrorSchemaValidation', `The request failed schema validation: ${n.name} has no property.`);
    const v = pathValue(item, path);
    if (n.name === 'Exists') return v !== undefined && v !== '';
    const c = constantFor(n, v);
    if (v === undefined || c === undefined) return n.name === 'IsNotEqualTo' ? v !== c : false;
    switch (n.name) {
      case 'IsEqualTo':
        return v === c;
      case 'IsNotEqualTo':
        return v !== c;
      case 'IsGreaterThan':
        return v > c;
      case 'IsGreaterThanOrEqualTo':
        return v >= c;
      case 'IsLessThan':
        return v < c;
      case 'IsLessThanOrEqualTo':
        return v <= c;
      case 'Contains':
        return containsMatches(n, String(v), String(c));
      default:
        throw new EwsFault('ErrorInvalidRequest', `Restriction ${n.name} is not supported by this simulator.`);
    }
  };
  return restriction.children.every(test);
}
