import type { EwsErrorDetail } from './errors';
import { E, M, SOAP, T } from './xml/namespaces';
import { el, esc, tx } from './xml/write';

/** Exchange 2019 CU style ServerVersionInfo (reference §1.1). */
export const SERVER_VERSION = {
  MajorVersion: 15,
  MinorVersion: 2,
  MajorBuildNumber: 1544,
  MinorBuildNumber: 4,
  Version: 'V2017_07_11',
} as const;

const XSD_NS = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"';

/** Wraps an operation response (already using m:/t: prefixes) in the envelope Exchange sends. */
export function envelope(bodyXml: string): string {
  const h = SERVER_VERSION;
  return (
    `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="${SOAP}"><s:Header>` +
    `<h:ServerVersionInfo MajorVersion="${h.MajorVersion}" MinorVersion="${h.MinorVersion}" MajorBuildNumber="${h.MajorBuildNumber}" MinorBuildNumber="${h.MinorBuildNumber}" Version="${h.Version}" xmlns:h="${T}" xmlns="${T}" ${XSD_NS}/>` +
    `</s:Header><s:Body ${XSD_NS}>${bodyXml}</s:Body></s:Envelope>`
  );
}

/** `<m:XResponse xmlns:m xmlns:t><m:ResponseMessages>…</m:ResponseMessages></m:XResponse>` */
export function operationResponse(op: string, messages: string[]): string {
  return `<m:${op}Response xmlns:m="${M}" xmlns:t="${T}"><m:ResponseMessages>${messages.join('')}</m:ResponseMessages></m:${op}Response>`;
}

/** A success ResponseMessage; `content` follows ResponseCode in schema order. */
export function successMessage(op: string, content = '', cls: 'Success' | 'Warning' = 'Success'): string {
  return `<m:${op}ResponseMessage ResponseClass="${cls}"><m:ResponseCode>NoError</m:ResponseCode>${content}</m:${op}ResponseMessage>`;
}

/** An in-band error: MessageText, ResponseCode, DescriptiveLinkKey, MessageXml, then the operation's empty shell. */
export function errorMessage(op: string, err: EwsErrorDetail, shell = ''): string {
  return el(
    `m:${op}ResponseMessage`,
    { ResponseClass: 'Error' },
    tx('m:MessageText', err.message),
    tx('m:ResponseCode', err.code),
    tx('m:DescriptiveLinkKey', 0),
    err.values ? el('m:MessageXml', undefined, messageXmlValues(err.values)) : '',
    shell,
  );
}

function messageXmlValues(values: Readonly<Record<string, string>>): string {
  return Object.entries(values)
    .map(([k, v]) => `<t:Value Name="${esc(k)}">${esc(v)}</t:Value>`)
    .join('');
}

/** The fault exactly as Exchange renders it (reference §1.9). */
export function faultEnvelope(err: EwsErrorDetail): string {
  const mx = err.values
    ? `<t:MessageXml xmlns:t="${T}">${Object.entries(err.values)
        .map(([k, v]) => `<t:Value Name="${esc(k)}">${esc(v)}</t:Value>`)
        .join('')}</t:MessageXml>`
    : '';
  return (
    `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="${SOAP}"><s:Body><s:Fault>` +
    `<faultcode xmlns:a="${T}">a:${err.code}</faultcode>` +
    `<faultstring xml:lang="en-US">${esc(err.message)}</faultstring>` +
    `<detail><e:ResponseCode xmlns:e="${E}">${err.code}</e:ResponseCode>` +
    `<e:Message xmlns:e="${E}">${esc(err.message)}</e:Message>${mx}</detail>` +
    '</s:Fault></s:Body></s:Envelope>'
  );
}
