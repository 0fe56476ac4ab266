import type { Item } from '../../store/types';
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

function pathValue(item: Item, path: XNode): Value {
  if (path.name === 'ExtendedFieldURI') {
    const key = extendedKey(parseExtendedFieldUri(path));
    const p = item.extendedProperties.find((x) => extendedKey(x) === key);
    return p === undefined ? undefined : Array.isArray(p.value) ? p.value.join('\n') : p.value;
  }
  return fieldValue(item, path.attrs.FieldURI ?? '');
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
  if (typeof like === 'number') return parseDateTime(raw);
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
