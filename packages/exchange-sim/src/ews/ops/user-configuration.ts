/**
 * The user configuration operations: named settings objects a client keeps on a folder (in Exchange, a
 * folder-associated message), each with a dictionary of typed entries, an XML stream and a binary stream
 * (store/user-configurations.ts). Every mailbox has OWA.UserOptions in its root folder (clients such as DavMail
 * read the user's time zone from it).
 * https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getuserconfiguration-operation
 * https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/createuserconfiguration-operation
 * https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/updateuserconfiguration-operation
 * https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/deleteuserconfiguration-operation
 */
import { encodeChangeKey, encodeId } from '../../store/ids';
import type { Folder } from '../../store/types';
import {
  type DictionaryEntry,
  type DictionaryObject,
  type UserConfiguration,
  UserConfigurationError,
  type UserConfigurationParts,
} from '../../store/user-configurations';
import type { EwsContext } from '../context';
import { errorMessage, operationResponse, successMessage } from '../envelope';
import { EwsFault, EwsItemError } from '../errors';
import { M, T } from '../xml/namespaces';
import { child, childrenOf, childText, type XNode } from '../xml/parse';
import { el, tx } from '../xml/write';
import { resolveFolder } from './folders';

const PROPERTIES = new Set(['Id', 'Dictionary', 'XmlData', 'BinaryData', 'All']);

/** types.xsd UserConfigurationDictionaryObjectTypesType. */
const OBJECT_TYPES = new Set([
  'DateTime',
  'Boolean',
  'Byte',
  'String',
  'Integer32',
  'UnsignedInteger32',
  'Integer64',
  'UnsignedInteger64',
  'StringArray',
  'ByteArray',
]);

function schemaError(what: string): EwsFault {
  return new EwsFault('ErrorSchemaValidation', `The request failed schema validation: ${what}`);
}

/** t:UserConfigurationName: its Name and the folder it names. */
function target(ctx: EwsContext, nameNode: XNode | undefined): { name: string; folder: Folder } {
  const name = nameNode?.attrs.Name;
  if (!nameNode || !name) throw schemaError('UserConfigurationName with a Name is required.');
  return {
    name,
    folder: resolveFolder(
      ctx,
      nameNode.children.find((c) => c.ns === T),
    ),
  };
}

function parseObject(n: XNode | undefined, side: string): DictionaryObject {
  const type = childText(n, T, 'Type')?.trim() ?? '';
  if (!OBJECT_TYPES.has(type)) throw schemaError(`${side} Type "${type}" is invalid.`);
  return { type, values: childrenOf(n, T, 'Value').map((v) => v.text) };
}

/** The parts a t:UserConfiguration of Create/UpdateUserConfiguration carries. */
function parseParts(conf: XNode): UserConfigurationParts {
  const dict = child(conf, T, 'Dictionary');
  const xml = childText(conf, T, 'XmlData');
  const binary = childText(conf, T, 'BinaryData');
  return {
    ...(dict
      ? {
          dictionary: childrenOf(dict, T, 'DictionaryEntry').map((e): DictionaryEntry => {
            const v = child(e, T, 'DictionaryValue');
            const key = parseObject(child(e, T, 'DictionaryKey'), 'DictionaryKey');
            return v ? { key, value: parseObject(v, 'DictionaryValue') } : { key };
          }),
        }
      : {}),
    ...(xml !== undefined ? { xmlData: xml.trim() } : {}),
    ...(binary !== undefined ? { binaryData: binary.trim() } : {}),
  };
}

function objectXml(name: string, o: DictionaryObject): string {
  return el(name, undefined, tx('t:Type', o.type), ...o.values.map((v) => tx('t:Value', v)));
}

function configurationXml(folder: Folder, c: UserConfiguration, wanted: readonly string[]): string {
  const want = (p: string) => wanted.includes('All') || wanted.includes(p);
  const itemId = encodeId('item', c.key, 0, 0, folder.mailboxId);
  return el(
    'm:UserConfiguration',
    undefined,
    el('t:UserConfigurationName', { Name: c.name }, `<t:FolderId Id="${folder.id}" ChangeKey="${folder.changeKey}"/>`),
    want('Id') ? `<t:ItemId Id="${itemId}" ChangeKey="${encodeChangeKey(c.key % 2 ** 32, c.version)}"/>` : '',
    want('Dictionary')
      ? el(
          't:Dictionary',
          undefined,
          ...c.dictionary.map((e) =>
            el(
              't:DictionaryEntry',
              undefined,
              objectXml('t:DictionaryKey', e.key),
              e.value ? objectXml('t:DictionaryValue', e.value) : '',
            ),
          ),
        )
      : '',
    want('XmlData') && c.xmlData !== undefined ? tx('t:XmlData', c.xmlData) : '',
    want('BinaryData') && c.binaryData !== undefined ? tx('t:BinaryData', c.binaryData) : '',
  );
}

/** Runs one user configuration operation: its single response message, errors in-band as Exchange sends them. */
function respond(op: string, run: () => string): string {
  try {
    return operationResponse(op, [successMessage(op, run())]);
  } catch (e) {
    if (e instanceof UserConfigurationError) {
      const err =
        e.code === 'Exists' ? new EwsItemError('ErrorItemSave', e.message) : new EwsItemError('ErrorItemNotFound');
      return operationResponse(op, [errorMessage(op, err)]);
    }
    if (e instanceof EwsItemError) return operationResponse(op, [errorMessage(op, e)]);
    throw e;
  }
}

export function getUserConfiguration(ctx: EwsContext, op: XNode): string {
  const wanted = (childText(op, M, 'UserConfigurationProperties') ?? '').trim().split(/\s+/);
  if (wanted.some((w) => !PROPERTIES.has(w))) throw schemaError('UserConfigurationProperties is invalid.');
  const nameNode = child(op, M, 'UserConfigurationName');
  if (!nameNode?.attrs.Name) throw schemaError('UserConfigurationName with a Name is required.');
  return respond('GetUserConfiguration', () => {
    const { name, folder } = target(ctx, nameNode);
    return configurationXml(folder, ctx.store.userConfigurations.get(folder, name), wanted);
  });
}

export function createUserConfiguration(ctx: EwsContext, op: XNode): string {
  const conf = child(op, M, 'UserConfiguration');
  if (!conf) throw schemaError('UserConfiguration is required.');
  const nameNode = child(conf, T, 'UserConfigurationName');
  if (!nameNode?.attrs.Name) throw schemaError('UserConfigurationName with a Name is required.');
  const parts = parseParts(conf);
  return respond('CreateUserConfiguration', () => {
    const { name, folder } = target(ctx, nameNode);
    ctx.store.userConfigurations.create(folder, name, parts);
    return '';
  });
}

export function updateUserConfiguration(ctx: EwsContext, op: XNode): string {
  const conf = child(op, M, 'UserConfiguration');
  if (!conf) throw schemaError('UserConfiguration is required.');
  const nameNode = child(conf, T, 'UserConfigurationName');
  if (!nameNode?.attrs.Name) throw schemaError('UserConfigurationName with a Name is required.');
  const parts = parseParts(conf);
  return respond('UpdateUserConfiguration', () => {
    const { name, folder } = target(ctx, nameNode);
    ctx.store.userConfigurations.update(folder, name, parts);
    return '';
  });
}

export function deleteUserConfiguration(ctx: EwsContext, op: XNode): string {
  const nameNode = child(op, M, 'UserConfigurationName');
  if (!nameNode?.attrs.Name) throw schemaError('UserConfigurationName with a Name is required.');
  return respond('DeleteUserConfiguration', () => {
    const { name, folder } = target(ctx, nameNode);
    ctx.store.userConfigurations.delete(folder, name);
    return '';
  });
}
