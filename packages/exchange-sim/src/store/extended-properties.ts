/**
 * Extended property identity. The canonical key is Graph's id syntax, because it names the MAPI property exactly:
 * `String {c11ff724-...} Name NextcloudHref`, `Integer {guid} Id 0x8005`, or `String 0x001A` for a tag.
 */
import { StoreError } from './errors';
import type { ExtendedProperty } from './types';

const GRAPH_TYPE_BY_EWS: Record<string, string> = {
  String: 'String',
  Integer: 'Integer',
  Boolean: 'Boolean',
  SystemTime: 'SystemTime',
  Binary: 'Binary',
  Long: 'Long',
  Double: 'Double',
  CLSID: 'CLSID',
  StringArray: 'StringArray',
  IntegerArray: 'IntegerArray',
  BinaryArray: 'BinaryArray',
  Short: 'Short',
  Float: 'Float',
  Currency: 'Currency',
  ApplicationTime: 'ApplicationTime',
};

const normGuid = (g: string): string => g.replace(/[{}]/g, '').toLowerCase();

export function extendedPropertyKey(p: Pick<ExtendedProperty, 'propertySetId' | 'name' | 'id' | 'type'>): string {
  const type = GRAPH_TYPE_BY_EWS[p.type] ?? p.type;
  const set = /^[0-9a-f-]{36}$/i.test(p.propertySetId.replace(/[{}]/g, ''))
    ? `{${normGuid(p.propertySetId)}}`
    : p.propertySetId;
  if (p.name !== undefined) return `${type} ${set} Name ${p.name}`;
  if (p.id !== undefined) return `${type} ${set} Id 0x${p.id.toString(16).padStart(4, '0')}`;
  throw new StoreError('InvalidInput', 'An extended property needs a name or a numeric id inside its property set');
}

/** Parses a Graph single/multi-value extended property id into the store's shape (value left empty). */
export function parseGraphPropertyId(graphId: string): Omit<ExtendedProperty, 'value'> {
  const m = /^(\w+)\s+\{?([0-9a-fA-F-]{36})\}?\s+(Name|Id)\s+(.+)$/.exec(graphId.trim());
  if (!m) {
    throw new StoreError(
      'InvalidInput',
      `Extended property id "${graphId}" is not of the form "String {guid} Name X" or "String {guid} Id 0x8005"`,
    );
  }
  const [, type, guid, form, rest] = m as unknown as [string, string, string, string, string];
  if (form === 'Name') return { type, propertySetId: normGuid(guid), name: rest };
  const id = Number(rest);
  if (!Number.isInteger(id)) throw new StoreError('InvalidInput', `Extended property id "${rest}" is not a number`);
  return { type, propertySetId: normGuid(guid), id };
}

export function normalizeExtendedProperty(p: ExtendedProperty): ExtendedProperty {
  const out: ExtendedProperty = { ...p };
  if (/^\{?[0-9a-fA-F-]{36}\}?$/.test(p.propertySetId)) out.propertySetId = normGuid(p.propertySetId);
  extendedPropertyKey(out); // validates
  return out;
}

/** Upsert by key. */
export function mergeExtendedProperties(current: ExtendedProperty[], updates: ExtendedProperty[]): ExtendedProperty[] {
  const byKey = new Map(current.map((p) => [extendedPropertyKey(p), p]));
  for (const u of updates) {
    const n = normalizeExtendedProperty(u);
    byKey.set(extendedPropertyKey(n), n);
  }
  return [...byKey.values()];
}
