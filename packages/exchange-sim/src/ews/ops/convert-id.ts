/**
 * ConvertId (Exchange 2007 SP1+): converts item and folder ids between EwsId, EwsLegacyId, EntryId, HexEntryId,
 * StoreId and OwaId. One response message per source id, in order; an error message has no AlternateId.
 * https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/convertid-operation
 * https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/alternateid
 */
import { decodeEntryId, splitEwsId } from '../../store/ids';
import type { Mailbox } from '../../store/types';
import { type EwsContext, mayReach } from '../context';
import { errorMessage, operationResponse, successMessage } from '../envelope';
import { EwsFault, EwsItemError } from '../errors';
import { M } from '../xml/namespaces';
import { child, type XNode } from '../xml/parse';
import { el } from '../xml/write';

const FORMATS = ['EwsLegacyId', 'EwsId', 'EntryId', 'HexEntryId', 'StoreId', 'OwaId'] as const;
type IdFormat = (typeof FORMATS)[number];
const isFormat = (s: string | undefined): s is IdFormat => FORMATS.includes(s as IdFormat);

/** An id reduced to what every format carries: the mailbox, the entry id and the occurrence tail of an EwsId. */
interface Canonical {
  mailbox: Mailbox;
  ewsId: string;
  entry: Buffer;
}

/** StoreId: the entry id followed by one byte of store object type (item 0x01, folder 0x02). */
function storeIdBytes(entry: Buffer): Buffer {
  return Buffer.concat([entry, Buffer.from([entry.length === 46 ? 0x02 : 0x01])]);
}

/** EwsLegacyId (Exchange 2007 RTM): names the mailbox by SMTP address instead of its GUID. */
function legacyIdFromEwsId(ewsId: string, smtp: string): string {
  const b = Buffer.from(ewsId, 'base64');
  const addr = Buffer.from(smtp.toLowerCase(), 'ascii');
  const head = Buffer.from([0x00, 0x01, 0, 0]);
  head.writeUInt16LE(addr.length, 2);
  return Buffer.concat([head, addr, b.subarray(40)]).toString('base64');
}

function parse(ctx: EwsContext, format: IdFormat, id: string, mailboxAttr: string | undefined): Canonical {
  const malformed = () => new EwsItemError('ErrorInvalidIdMalformed');
  const byAddress = (): Mailbox => {
    const m = mailboxAttr ? ctx.store.findMailbox(mailboxAttr) : undefined;
    if (!m) throw new EwsItemError('ErrorNonExistentMailbox');
    return m;
  };
  const fromEntry = (entry: Buffer): Canonical => {
    const mailbox = byAddress();
    const d = decodeEntryId(entry, mailbox.id);
    if (!d) throw malformed();
    const ewsId =
      d.kind === 'folder'
        ? ctx.store.folderByKey(d.key)?.id
        : ctx.store.itemByKey(d.key)?.mailboxId === mailbox.id
          ? ctx.store.itemByKey(d.key)?.id
          : undefined;
    if (!ewsId) throw new EwsItemError(d.kind === 'folder' ? 'ErrorFolderNotFound' : 'ErrorItemNotFound');
    return { mailbox, ewsId, entry };
  };
  switch (format) {
    case 'EwsId':
    case 'OwaId': {
      const text = format === 'OwaId' ? decodeURIComponent(id) : id;
      const parts = splitEwsId(text);
      if (!parts) throw malformed();
      const mailbox = ctx.store.findMailbox(parts.mailboxGuid);
      if (!mailbox || !decodeEntryId(parts.entry, mailbox.id)) throw malformed();
      return { mailbox, ewsId: text.replace(/-/g, '+').replace(/_/g, '/'), entry: parts.entry };
    }
    case 'EwsLegacyId': {
      const b = Buffer.from(id, 'base64');
      if (b.length < 8 || b[0] !== 0 || b[1] !== 1) throw malformed();
      const n = b.readUInt16LE(2);
      const mailbox = ctx.store.findMailbox(b.subarray(4, 4 + n).toString('ascii'));
      if (!mailbox) throw new EwsItemError('ErrorNonExistentMailbox');
      const guid = Buffer.from(mailbox.id, 'ascii');
      const head = Buffer.from([0x00, 0x03, guid.length, 0]);
      const ewsId = Buffer.concat([head, guid, b.subarray(4 + n)]).toString('base64');
      const parts = splitEwsId(ewsId);
      if (!parts || !decodeEntryId(parts.entry, mailbox.id)) throw malformed();
      return { mailbox, ewsId, entry: parts.entry };
    }
    case 'EntryId':
      return fromEntry(Buffer.from(id, 'base64'));
    case 'HexEntryId':
      if (!/^([0-9A-Fa-f]{2})+$/.test(id)) throw malformed();
      return fromEntry(Buffer.from(id, 'hex'));
    case 'StoreId': {
      const b = Buffer.from(id, 'base64');
      if (b.length < 2) throw malformed();
      return fromEntry(b.subarray(0, b.length - 1));
    }
  }
}

function render(c: Canonical, format: IdFormat): string {
  switch (format) {
    case 'EwsId':
      return c.ewsId;
    case 'OwaId':
      return encodeURIComponent(c.ewsId);
    case 'EwsLegacyId':
      return legacyIdFromEwsId(c.ewsId, c.mailbox.smtpAddress);
    case 'EntryId':
      return c.entry.toString('base64');
    case 'HexEntryId':
      return c.entry.toString('hex').toUpperCase();
    case 'StoreId':
      return storeIdBytes(c.entry).toString('base64');
  }
}

export function convertId(ctx: EwsContext, op: XNode): string {
  const name = 'ConvertId';
  const destination = op.attrs.DestinationFormat;
  if (!isFormat(destination)) {
    throw new EwsFault(
      'ErrorSchemaValidation',
      `The request failed schema validation: DestinationFormat "${destination ?? ''}" is invalid.`,
    );
  }
  const sources = child(op, M, 'SourceIds')?.children ?? [];
  if (sources.length === 0) {
    throw new EwsFault('ErrorSchemaValidation', 'The request failed schema validation: SourceIds is empty.');
  }
  return operationResponse(
    name,
    sources.map((n) => {
      try {
        if (n.name !== 'AlternateId') {
          // AlternatePublicFolderId and AlternatePublicFolderItemId need public folders, which are not simulated.
          throw new EwsItemError('ErrorInvalidIdMalformed', `${n.name} is not supported: there are no public folders.`);
        }
        const format = n.attrs.Format;
        if (!isFormat(format)) {
          throw new EwsFault(
            'ErrorSchemaValidation',
            `The request failed schema validation: Format "${format ?? ''}".`,
          );
        }
        const c = parse(ctx, format, n.attrs.Id ?? '', n.attrs.Mailbox);
        if (!mayReach(ctx, c.mailbox)) throw new EwsItemError('ErrorAccessDenied');
        return successMessage(
          name,
          el('m:AlternateId', {
            'xsi:type': 't:AlternateIdType',
            Format: destination,
            Id: render(c, destination),
            Mailbox: c.mailbox.smtpAddress,
          }),
        );
      } catch (e) {
        if (e instanceof EwsItemError) return errorMessage(name, e);
        throw e;
      }
    }),
  );
}
