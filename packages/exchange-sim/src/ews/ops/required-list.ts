import { EwsFault } from '../errors';
import { M } from '../xml/namespaces';
import { child, type XNode } from '../xml/parse';

/** The children of the operation's m:<name> list; Exchange rejects an absent or empty list as a schema error. */
export function requiredList(op: XNode, name: string): readonly XNode[] {
  const list = child(op, M, name)?.children ?? [];
  if (!list.length)
    throw new EwsFault('ErrorSchemaValidation', `The request failed schema validation: ${name} is empty.`);
  return list;
}
