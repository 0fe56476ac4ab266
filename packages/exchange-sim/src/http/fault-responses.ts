/** How each face answers an injected fault, in that face's own error dialect. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Face, FaultAction } from '../control/faults';

const HTML_500 =
  "<!DOCTYPE html><html><head><title>Runtime Error</title></head><body><h1>Server Error in '/EWS' Application.</h1>" +
  '<p>An unhandled exception occurred during the execution of the current web request.</p></body></html>';

export function soapFault(code: string, message: string, values: Record<string, string> = {}): string {
  const xml = Object.entries(values)
    .map(([k, v]) => `<t:Value Name="${k}">${v}</t:Value>`)
    .join('');
  return (
    '<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>' +
    `<faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/types">a:${code}</faultcode>` +
    `<faultstring xml:lang="en-US">${message}</faultstring><detail>` +
    `<e:ResponseCode xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">${code}</e:ResponseCode>` +
    `<e:Message xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">${message}</e:Message>` +
    (xml
      ? `<t:MessageXml xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">${xml}</t:MessageXml>`
      : '') +
    '</detail></s:Fault></s:Body></s:Envelope>'
  );
}

export function graphErrorBody(request: FastifyRequest, code: string, message: string) {
  return {
    error: {
      code,
      message,
      innerError: {
        date: new Date().toISOString().replace(/\.\d{3}Z$/, ''),
        'request-id': String(request.id),
        'client-request-id': String(request.headers['client-request-id'] ?? request.id),
      },
    },
  };
}

export function entraErrorBody(error: string, code: number, description: string) {
  const traceId = crypto.randomUUID();
  const correlationId = crypto.randomUUID();
  const timestamp = new Date().toISOString().replace('T', ' ').replace('Z', 'Z');
  return {
    error,
    error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  };
}

const GRAPH_STATUS: Record<number, [string, string]> = {
  401: ['InvalidAuthenticationToken', 'Access token has expired or is not yet valid.'],
  403: ['ErrorAccessDenied', 'Access is denied. Check credentials and try again.'],
  404: ['ErrorItemNotFound', 'The specified object was not found in the store.'],
  429: ['ApplicationThrottled', 'Application is over its MailboxConcurrency limit.'],
  503: ['ServiceUnavailable', 'Service Unavailable'],
  504: ['GatewayTimeout', 'Gateway Timeout'],
};

const ENTRA_STATUS: Record<number, [string, number, string]> = {
  401: ['invalid_client', 7000215, 'Invalid client secret provided.'],
  403: ['unauthorized_client', 7000112, 'Application is disabled.'],
  404: ['invalid_request', 90002, 'Tenant not found.'],
  429: [
    'temporarily_unavailable',
    50196,
    'The server terminated an operation because it encountered a client request loop.',
  ],
  503: ['temporarily_unavailable', 50196, 'The service is temporarily unavailable.'],
  504: ['temporarily_unavailable', 50196, 'The service is temporarily unavailable.'],
};

/** Send the fault's response. `reset` and `slow` are handled by the caller. */
export function sendFault(face: Face, action: FaultAction, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (action.kind === 'status') {
    const retry = action.retryAfterSeconds ?? (action.status === 429 || action.status === 503 ? 2 : undefined);
    if (retry !== undefined) reply.header('Retry-After', String(retry));
    if (face === 'graph') {
      const [code, message] = GRAPH_STATUS[action.status]!;
      if (action.status === 401) reply.header('WWW-Authenticate', 'Bearer realm="", error="invalid_token"');
      return reply.code(action.status).send(graphErrorBody(request, action.code ?? code, message));
    }
    if (face === 'entra') {
      const [error, code, description] = ENTRA_STATUS[action.status]!;
      return reply.code(action.status).send(entraErrorBody(error, code, description));
    }
    if (action.status === 401) reply.header('WWW-Authenticate', ['Negotiate', 'NTLM', 'Basic realm="sim"']);
    return reply.code(action.status).send('');
  }
  if (action.kind === 'ewsServerBusy') {
    reply.header('Content-Type', 'text/xml; charset=utf-8');
    return reply.code(500).send(
      soapFault('ErrorServerBusy', 'The server cannot service this request right now. Try again later.', {
        BackOffMilliseconds: String(action.backOffMs),
      }),
    );
  }
  if (action.kind === 'error500') {
    reply.code(500);
    switch (action.body) {
      case 'empty':
        return reply.header('Content-Length', '0').send('');
      case 'html':
        return reply.type('text/html; charset=utf-8').send(HTML_500);
      case 'soap':
        return reply
          .type('text/xml; charset=utf-8')
          .send(soapFault('ErrorInternalServerError', 'An internal server error occurred. The operation failed.'));
      case 'json':
        if (face === 'entra')
          return reply.send(entraErrorBody('server_error', 50000, 'There was an error issuing a token.'));
        return reply.send(graphErrorBody(request, 'InternalServerError', 'An internal server error occurred.'));
    }
  }
  return reply.code(500).send('');
}
