import type { ExchangeService, IXHROptions } from 'ews-javascript-api';
import { EwsAnswerError, httpFailure, type ResponseMessage, responseMessages } from './soap-answer';
import { soapEnvelope } from './soap-envelope';
import { RecordingXhr } from './transport';

/** What the library keeps internal but we need: its request preparation (endpoint, credentials, our headers). */
interface PreparesRequests {
  PrepareHttpWebRequest(methodName: string): IXHROptions;
}

/**
 * Sends one SOAP request of our own over the service's transport and returns the answer's response messages. The
 * request is prepared by the library (URL, Basic or OAuth header, X-AnchorMailbox; NTLM runs in the transport) and
 * goes through the same recording transport, so the session classifies failures from the same facts as for the
 * library's own calls; only the answer is read by us.
 */
export async function soapCall(
  svc: ExchangeService,
  mailbox: string,
  operation: string,
  body: string,
): Promise<ResponseMessage[]> {
  const request = (svc as unknown as PreparesRequests).PrepareHttpWebRequest(operation);
  request.data = soapEnvelope(mailbox, body);
  const xhr = svc.XHRApi;
  if (xhr instanceof RecordingXhr && xhr.direct) {
    let answer: { status: number; body: string };
    try {
      answer = await xhr.send(request);
    } catch (failure) {
      throw failed(failure, operation);
    }
    // What @ewsjs/xhr rejects with for any status but 200, read the same way.
    if (answer.status !== 200) throw failed({ status: answer.status, responseText: answer.body }, operation);
    return responseMessages(answer.body, operation);
  }
  let text: string;
  try {
    const answer = await svc.XHRApi.xhr(request);
    text = answer.responseText ?? String(answer.response ?? '');
  } catch (failure) {
    throw failed(failure, operation);
  }
  return responseMessages(text, operation);
}

/** @ewsjs/xhr rejects any status but 200 with the answer itself; anything without a status is a transport failure. */
function failed(failure: unknown, operation: string): unknown {
  const f = failure as { status?: unknown; responseText?: unknown; response?: unknown } | null;
  const status = typeof f?.status === 'number' && f.status > 0 ? f.status : undefined;
  if (status === undefined) return failure;
  const text = typeof f?.responseText === 'string' ? f.responseText : typeof f?.response === 'string' ? f.response : '';
  return text.trim()
    ? httpFailure(status, text, operation)
    : new EwsAnswerError(`EWS ${operation} answered HTTP ${status}`, undefined, status, undefined);
}
