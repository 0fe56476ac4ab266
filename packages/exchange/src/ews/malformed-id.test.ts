import { ServiceError } from 'ews-javascript-api';
import { describe, expect, it } from 'vitest';
import { isMalformedId } from './malformed-id';

describe('isMalformedId', () => {
  const malformed = [
    'ErrorInvalidIdMalformed',
    'ErrorInvalidIdMalformedEwsLegacyIdFormat',
    'ErrorInvalidIdEmpty',
    'ErrorInvalidIdXml',
    'ErrorInvalidIdNotAnItemAttachmentId',
  ] as const;

  it('knows each unusable-id code alike as our SOAP reading names it and as the library numbers it', () => {
    for (const name of malformed) {
      expect(isMalformedId(name), name).toBe(true);
      expect(isMalformedId(ServiceError[name]), `${name} as a number`).toBe(true);
    }
  });

  it('leaves every other code, and no code, to the error classification', () => {
    for (const name of ['ErrorItemNotFound', 'ErrorServerBusy', 'ErrorIrresolvableConflict', 'NoError'] as const) {
      expect(isMalformedId(name), name).toBe(false);
      expect(isMalformedId(ServiceError[name]), `${name} as a number`).toBe(false);
    }
    expect(isMalformedId(undefined)).toBe(false);
  });
});
