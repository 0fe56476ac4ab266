import { ServiceError } from 'ews-javascript-api';

/**
 * Whether an EWS error code says the item id itself is unusable — which for a stored id means the item is gone
 * (NotFoundError). Codes come as names from our own SOAP reading and as the library's numbers.
 */
export function isMalformedId(code: unknown): boolean {
  const name = typeof code === 'number' ? undefined : code;
  return (
    name === 'ErrorInvalidIdMalformed' ||
    name === 'ErrorInvalidIdNotAnItemAttachmentId' ||
    (typeof code === 'number' && MALFORMED_CODES.has(code))
  );
}

const MALFORMED_CODES = new Set<number>([
  ServiceError.ErrorInvalidIdMalformed,
  ServiceError.ErrorInvalidIdMalformedEwsLegacyIdFormat,
  ServiceError.ErrorInvalidIdEmpty,
  ServiceError.ErrorInvalidIdXml,
]);
