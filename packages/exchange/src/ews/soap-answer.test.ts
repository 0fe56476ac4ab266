import { RetryableError } from '@exsync/core';
import { describe, expect, it } from 'vitest';
import { classifyEwsError } from './classify-error';
import { EwsAnswerError, httpFailure, messageError, responseMessages } from './soap-answer';
import { MESSAGES_NS, SOAP_NS, TYPES_NS } from './soap-envelope';

const envelope = (body: string) =>
  `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="${SOAP_NS}"><s:Body>${body}</s:Body></s:Envelope>`;
const answer = (messages: string) =>
  envelope(
    `<m:GetItemResponse xmlns:m="${MESSAGES_NS}" xmlns:t="${TYPES_NS}"><m:ResponseMessages>${messages}</m:ResponseMessages></m:GetItemResponse>`,
  );
const FAULT = envelope(
  '<s:Fault><faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/types">a:ErrorServerBusy</faultcode>' +
    '<faultstring xml:lang="en-US">The server cannot service this request right now.</faultstring><detail>' +
    '<e:ResponseCode xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">ErrorServerBusy</e:ResponseCode>' +
    `<t:MessageXml xmlns:t="${TYPES_NS}"><t:Value Name="BackOffMilliseconds">4500</t:Value></t:MessageXml></detail></s:Fault>`,
);

describe('reading our own SOAP answers', () => {
  it('hands over each response message with its class and code, in order', () => {
    const messages = responseMessages(
      answer(
        '<m:GetItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Items/></m:GetItemResponseMessage>' +
          '<m:GetItemResponseMessage ResponseClass="Warning"><m:MessageText>w</m:MessageText><m:ResponseCode>ErrorBatchProcessingStopped</m:ResponseCode></m:GetItemResponseMessage>' +
          '<m:GetItemResponseMessage ResponseClass="Error"><m:MessageText>The server cannot service this request right now.</m:MessageText>' +
          '<m:ResponseCode>ErrorServerBusy</m:ResponseCode><m:MessageXml><t:Value Name="BackOffMilliseconds">30000</t:Value></m:MessageXml></m:GetItemResponseMessage>',
      ),
      'GetItem',
    );
    expect(messages.map((m) => [m.responseClass, m.code])).toEqual([
      ['Success', 'NoError'],
      ['Warning', 'ErrorBatchProcessingStopped'],
      ['Error', 'ErrorServerBusy'],
    ]);
    const busy = classifyEwsError(messageError(messages[2]!));
    expect(busy).toBeInstanceOf(RetryableError);
    expect((busy as RetryableError).retryAfterMs).toBe(30000);
    expect(messageError(messages[1]!).responseCode).toBe('ErrorBatchProcessingStopped');
  });

  it('turns a SOAP fault into its code, HTTP status and back-off, on a 500 or inside a 200', () => {
    const onError = httpFailure(500, FAULT, 'GetItem');
    expect([onError.responseCode, onError.httpStatus, onError.backOffMs]).toEqual(['ErrorServerBusy', 500, 4500]);
    const classified = classifyEwsError(onError);
    expect(classified).toBeInstanceOf(RetryableError);
    expect((classified as RetryableError).retryAfterMs).toBe(4500);
    expect(() => responseMessages(FAULT, 'GetItem')).toThrow(EwsAnswerError);
  });

  it('keeps the status of an HTTP failure whose body is no SOAP', () => {
    const e = httpFailure(503, '<html><body>Service Unavailable</body></html>', 'GetItem');
    expect([e.responseCode, e.httpStatus]).toEqual([undefined, 503]);
    expect(classifyEwsError(e).message).toMatch(/HTTP 503/);
  });

  it.each([
    ['not XML at all', 'Service Unavailable', /malformed XML/],
    [
      'a truncated answer',
      answer('<m:GetItemResponseMessage ResponseClass="Success">'),
      /is not closed|does not match/,
    ],
    ['another root', '<html><body/></html>', /root element is <html>/],
    ['no Body', `<s:Envelope xmlns:s="${SOAP_NS}"><s:Header/></s:Envelope>`, /no Body/],
    ['another operation', envelope(`<m:FindItemResponse xmlns:m="${MESSAGES_NS}"/>`), /no GetItemResponse/],
    ['a DTD', `<!DOCTYPE x [<!ENTITY e "x">]>${answer('')}`, /DTD/],
  ])('refuses %s with what is wrong', (_what, text, reason) => {
    const error = (() => {
      try {
        responseMessages(text, 'GetItem');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as Error).message).toMatch(/GetItem answer is not a SOAP answer we can read/);
    expect((error as Error).message).toMatch(reason);
  });
});
