import { ServiceError } from 'ews-javascript-api';

/** The EWS codes that say an item id itself is unusable. */
const MALFORMED_ID_CODES = [
  'ErrorInvalidIdMalformed',
  'ErrorInvalidIdMalformedEwsLegacyIdFormat',
  'ErrorInvalidIdEmpty',
  'ErrorInvalidIdXml',
  'ErrorInvalidIdNotAnItemAttachmentId',
] as const;
const NAMES = new Set<string>(MALFORMED_ID_CODES);
const NUMBERS = new Set<number>(MALFORMED_ID_CODES.map((name) => ServiceError[name]));

/**
 * Whether an EWS error code says the item id itself is unusable — which for a stored id means the item is gone
 * (NotFoundError). Codes come as names from our own SOAP reading and as the library's numbers: one list, so both
 * readings mean the same.
 */
export function isMalformedId(code: unknown): boolean {
  return typeof code === 'number' ? NUMBERS.has(code) : typeof code === 'string' && NAMES.has(code);
}
