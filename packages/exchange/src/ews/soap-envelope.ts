import { xmlText } from './wire-values';

/** The EWS namespaces, as the requests we write and the answers we read use them. */
export const SOAP_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const MESSAGES_NS = 'http://schemas.microsoft.com/exchange/services/2006/messages';
export const TYPES_NS = 'http://schemas.microsoft.com/exchange/services/2006/types';
export const ERRORS_NS = 'http://schemas.microsoft.com/exchange/services/2006/errors';

/**
 * A SOAP request of our own (the streaming client's, and reads that bypass ews-javascript-api): the same header the
 * library sends — the server version it speaks and impersonation of the mailbox. `body` uses the m:/t: prefixes.
 */
export function soapEnvelope(mailbox: string, body: string): string {
  return (
    `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${SOAP_NS}" xmlns:m="${MESSAGES_NS}" xmlns:t="${TYPES_NS}">` +
    '<soap:Header><t:RequestServerVersion Version="Exchange2013_SP1"/>' +
    `<t:ExchangeImpersonation><t:ConnectingSID><t:SmtpAddress>${xmlText(mailbox)}</t:SmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>` +
    `</soap:Header><soap:Body>${body}</soap:Body></soap:Envelope>`
  );
}

/** A value inside a double-quoted attribute. */
export function xmlAttribute(value: string): string {
  return xmlText(value).replace(/"/g, '&quot;');
}

/** A folder a request names: a well-known folder by its distinguished name, any other by its FolderId. */
export type FolderRef = { readonly distinguished: string } | { readonly id: string };

/** The folder's id element, as the library writes it (DistinguishedFolderId or FolderId). */
export function folderIdXml(folder: FolderRef): string {
  return 'distinguished' in folder
    ? `<t:DistinguishedFolderId Id="${xmlAttribute(folder.distinguished)}"/>`
    : `<t:FolderId Id="${xmlAttribute(folder.id)}"/>`;
}
