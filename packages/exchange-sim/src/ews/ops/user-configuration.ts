/**
 * GetUserConfiguration: reads a user configuration object (a FAI message of a folder) by name. Every mailbox has
 * OWA.UserOptions in its root folder (Outlook on the web's settings: clients such as DavMail read the user's time
 * zone from it); any other name answers ErrorItemNotFound, as for a configuration nobody created.
 * https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getuserconfiguration-operation
 */
import { encodeId } from '../../store/ids';
import type { EwsContext } from '../context';
import { errorMessage, operationResponse, successMessage } from '../envelope';
import { EwsFault, EwsItemError } from '../errors';
import { M, T } from '../xml/namespaces';
import { child, childText, type XNode } from '../xml/parse';
import { el, tx } from '../xml/write';
import { resolveFolder } from './folders';

/** Keys of OWA.UserOptions a new mailbox has (Exchange writes them on first sign-in to Outlook on the web). */
function owaUserOptions(): Record<string, string> {
  return { timezone: 'UTC', dateformat: 'yyyy-MM-dd', timeformat: 'HH:mm', weekstartday: '1' };
}

const PROPERTIES = new Set(['Id', 'Dictionary', 'XmlData', 'BinaryData', 'All']);

export function getUserConfiguration(ctx: EwsContext, op: XNode): string {
  const name = 'GetUserConfiguration';
  const nameNode = child(op, M, 'UserConfigurationName');
  const wanted = (childText(op, M, 'UserConfigurationProperties') ?? '').trim().split(/\s+/);
  if (!nameNode?.attrs.Name || wanted.some((w) => !PROPERTIES.has(w))) {
    throw new EwsFault(
      'ErrorSchemaValidation',
      'The request failed schema validation: UserConfigurationName and UserConfigurationProperties are required.',
    );
  }
  try {
    const folder = resolveFolder(
      ctx,
      nameNode.children.find((c) => c.ns === T),
    );
    if (nameNode.attrs.Name !== 'OWA.UserOptions' || folder.kind !== 'root')
      throw new EwsItemError('ErrorItemNotFound');
    const all = wanted.includes('All');
    const entries = Object.entries(owaUserOptions()).map(([k, v]) =>
      el(
        't:DictionaryEntry',
        undefined,
        el('t:DictionaryKey', undefined, tx('t:Type', 'String'), tx('t:Value', k)),
        el('t:DictionaryValue', undefined, tx('t:Type', 'String'), tx('t:Value', v)),
      ),
    );
    // A stable id for the configuration message: a key no item uses (the top of the 48-bit key space).
    const itemId = encodeId('item', 2 ** 40 + folder.key, 0, 0, folder.mailboxId);
    return operationResponse(name, [
      successMessage(
        name,
        el(
          'm:UserConfiguration',
          undefined,
          el(
            't:UserConfigurationName',
            { Name: nameNode.attrs.Name },
            `<t:FolderId Id="${folder.id}" ChangeKey="${folder.changeKey}"/>`,
          ),
          all || wanted.includes('Id') ? `<t:ItemId Id="${itemId}" ChangeKey="${folder.changeKey}"/>` : '',
          all || wanted.includes('Dictionary') ? el('t:Dictionary', undefined, ...entries) : '',
        ),
      ),
    ]);
  } catch (e) {
    if (e instanceof EwsItemError) return operationResponse(name, [errorMessage(name, e)]);
    throw e;
  }
}
