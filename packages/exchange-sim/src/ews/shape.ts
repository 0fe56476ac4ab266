import { EwsFault } from './errors';
import { extendedKey, parseExtendedFieldUri } from './items/common';
import { M, T } from './xml/namespaces';
import { child, type XNode } from './xml/parse';

export type BaseShape = 'IdOnly' | 'Default' | 'AllProperties';

/** What a response should contain for each item (ItemShape / FolderShape). */
export interface Shape {
  readonly base: BaseShape;
  /** FieldURI values (and IndexedFieldURI FieldURI values) asked for in AdditionalProperties. */
  readonly fields: ReadonlySet<string>;
  /** Keys (see extendedKey) of the extended properties asked for. */
  readonly extended: ReadonlySet<string>;
  /** ItemShape/BodyType: convert bodies to this type (Best = as stored). */
  readonly bodyType?: 'Best' | 'HTML' | 'Text';
}

const INDEXED_COLLECTION: Record<string, string> = {
  'contacts:EmailAddress': 'contacts:EmailAddresses',
  'contacts:PhoneNumber': 'contacts:PhoneNumbers',
  'contacts:ImAddress': 'contacts:ImAddresses',
  'contacts:PhysicalAddress:Street': 'contacts:PhysicalAddresses',
  'contacts:PhysicalAddress:City': 'contacts:PhysicalAddresses',
  'contacts:PhysicalAddress:State': 'contacts:PhysicalAddresses',
  'contacts:PhysicalAddress:CountryOrRegion': 'contacts:PhysicalAddresses',
  'contacts:PhysicalAddress:PostalCode': 'contacts:PhysicalAddresses',
};

export function parseShape(n: XNode | undefined): Shape {
  if (!n)
    throw new EwsFault('ErrorSchemaValidation', 'The request failed schema validation: the shape element is missing.');
  const base = child(n, T, 'BaseShape')?.text.trim();
  if (base !== 'IdOnly' && base !== 'Default' && base !== 'AllProperties') {
    throw new EwsFault(
      'ErrorSchemaValidation',
      `The request failed schema validation: BaseShape "${base ?? ''}" is invalid.`,
    );
  }
  const fields = new Set<string>();
  const extended = new Set<string>();
  for (const p of child(n, T, 'AdditionalProperties')?.children ?? []) {
    if (p.name === 'FieldURI' || p.name === 'IndexedFieldURI') fields.add(p.attrs.FieldURI ?? '');
    // One entry of a dictionary (contacts:EmailAddress EmailAddress1, ...) is answered inside its collection
    // element. Simplified: the whole collection comes back, not only the entries asked for.
    const collection = p.name === 'IndexedFieldURI' ? INDEXED_COLLECTION[p.attrs.FieldURI ?? ''] : undefined;
    if (collection) fields.add(collection);
    else if (p.name === 'ExtendedFieldURI') {
      try {
        extended.add(extendedKey(parseExtendedFieldUri(p)));
      } catch (e) {
        throw new EwsFault('ErrorInvalidPropertyRequest', (e as Error).message);
      }
    }
  }
  // IncludeMimeContent asks for MimeContent as if it were named in AdditionalProperties.
  if (child(n, T, 'IncludeMimeContent')?.text.trim() === 'true') fields.add('item:MimeContent');
  const bt = child(n, T, 'BodyType')?.text.trim();
  if (bt !== undefined && bt !== 'Best' && bt !== 'HTML' && bt !== 'Text') {
    throw new EwsFault('ErrorSchemaValidation', `The request failed schema validation: BodyType "${bt}" is invalid.`);
  }
  return bt ? { base, fields, extended, bodyType: bt } : { base, fields, extended };
}

/** One renderable property of an item, in schema order. */
export interface Prop {
  readonly uri: string;
  /** The element, or a function building it: only the wanted properties of a shape are ever rendered. */
  readonly xml: string | (() => string);
  /** Part of the Default shape (AllProperties includes every prop that is not `explicitOnly`). */
  readonly inDefault?: boolean;
  /** Only returned when asked for by name (MimeContent, as Exchange does). */
  readonly explicitOnly?: boolean;
}

/**
 * Marks a property's XML as built on demand. A helper rather than a bare arrow in the object literal: tools that
 * keep function names (tsx/esbuild keepNames) would otherwise name every one of these closures, on every item.
 */
export function lazy(build: () => string): () => string {
  return build;
}

function isWanted(shape: Shape, p: Omit<Prop, 'xml'>): boolean {
  return (
    p.uri === 'item:ItemId' ||
    p.uri === '*extended' ||
    shape.fields.has(p.uri) ||
    (!p.explicitOnly && (shape.base === 'AllProperties' || (shape.base === 'Default' && p.inDefault === true)))
  );
}

export function pick(shape: Shape, props: readonly Prop[]): string {
  let out = '';
  for (const p of props) if (isWanted(shape, p)) out += typeof p.xml === 'function' ? p.xml() : p.xml;
  return out;
}

/** A kind's renderable properties by name: what `pick` decides per item, `wantedProps` decides once per shape. */
export type PropTable<K extends string> = Readonly<Record<K, Omit<Prop, 'xml'>>>;

const wantedByShape = new WeakMap<Shape, Map<PropTable<string>, Readonly<Record<string, boolean>>>>();

/**
 * Which of a table's properties a shape asks for (the same rule as `pick`), worked out once per shape and table:
 * a FindItem or GetItem renders hundreds of items in one shape, and the hottest renderer (calendar items) then
 * only tests a flag per property instead of building a closure per property and item.
 */
export function wantedProps<K extends string>(shape: Shape, table: PropTable<K>): Readonly<Record<K, boolean>> {
  let byTable = wantedByShape.get(shape);
  if (!byTable) {
    byTable = new Map();
    wantedByShape.set(shape, byTable);
  }
  let wanted = byTable.get(table);
  if (!wanted) {
    const w: Record<string, boolean> = {};
    for (const [name, p] of Object.entries<Omit<Prop, 'xml'>>(table)) w[name] = isWanted(shape, p);
    wanted = w;
    byTable.set(table, wanted);
  }
  return wanted as Readonly<Record<K, boolean>>;
}

export { M };
