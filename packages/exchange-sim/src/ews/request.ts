import { EwsFault } from './errors';
import { M, SOAP, T } from './xml/namespaces';
import { child, parseXml, XmlRejected, type XNode } from './xml/parse';

/** Versions a 2019 CU server accepts in RequestServerVersion (types.xsd ExchangeVersionType). */
export const SUPPORTED_VERSIONS = new Set([
  'Exchange2007',
  'Exchange2007_SP1',
  'Exchange2009',
  'Exchange2010',
  'Exchange2010_SP1',
  'Exchange2010_SP2',
  'Exchange2013',
  'Exchange2013_SP1',
  'Exchange2015',
  'Exchange2016',
  'V2015_10_05',
  'V2016_01_06',
  'V2016_04_13',
  'V2016_07_13',
  'V2016_10_10',
  'V2017_01_07',
  'V2017_04_14',
  'V2017_07_11',
]);

export interface SoapRequest {
  readonly header: XNode | undefined;
  /** The first element of soap:Body: Exchange dispatches on its local name, never on SOAPAction. */
  readonly operation: XNode;
  readonly version: string;
}

export function parseSoapRequest(body: string): SoapRequest {
  let root: XNode;
  try {
    root = parseXml(body);
  } catch (e) {
    if (e instanceof XmlRejected)
      throw new EwsFault('ErrorSchemaValidation', `The request failed schema validation: ${e.message}`);
    throw e;
  }
  if (root.ns !== SOAP || root.name !== 'Envelope') {
    throw new EwsFault(
      'ErrorSchemaValidation',
      'The request failed schema validation: the root element is not a SOAP 1.1 Envelope.',
    );
  }
  const header = child(root, SOAP, 'Header');
  const body_ = child(root, SOAP, 'Body');
  const operation = body_?.children[0];
  if (!operation) throw new EwsFault('ErrorInvalidRequest', 'The request is invalid: soap:Body is empty.');
  if (operation.ns !== M) {
    throw new EwsFault(
      'ErrorSchemaValidation',
      `The request failed schema validation: ${operation.name} is not in the messages namespace.`,
    );
  }
  const rsv = child(header, T, 'RequestServerVersion');
  const version = rsv?.attrs.Version ?? 'Exchange2007_SP1';
  if (rsv && !SUPPORTED_VERSIONS.has(version)) {
    throw new EwsFault('ErrorInvalidServerVersion');
  }
  return { header, operation, version };
}
