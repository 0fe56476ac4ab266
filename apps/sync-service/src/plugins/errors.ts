import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { isDatabaseError } from '@exsync/db';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Errors } from '../errors';

interface AjvIssue {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

/** Turns Ajv's first issue into a sentence naming the field, e.g. `body.users[3].loginName must be string`. */
export function describeValidation(context: string | undefined, issues: readonly AjvIssue[]): string {
  const issue = issues[0];
  if (!issue) return `${context ?? 'request'} is invalid`;
  const path = `${context ?? 'request'}${issue.instancePath.replace(/\/(\d+)/g, '[$1]').replace(/\//g, '.')}`;
  if (issue.keyword === 'additionalProperties') {
    return `${path} has an unknown field "${String(issue.params.additionalProperty)}"`;
  }
  if (issue.keyword === 'required') return `${path} is missing the field "${String(issue.params.missingProperty)}"`;
  if (issue.keyword === 'enum' && Array.isArray(issue.params.allowedValues)) {
    return `${path} must be one of ${issue.params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return `${path} ${issue.message ?? 'is invalid'}`;
}

function toApiError(error: FastifyError, request: FastifyRequest, bodyLimit: number): FastifyError {
  if (error.code?.startsWith('EXSYNC_')) return error;
  if (error.validation) {
    return new Errors.VALIDATION_FAILED(
      describeValidation(error.validationContext, error.validation as unknown as AjvIssue[]),
    );
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new Errors.BODY_TOO_LARGE(bodyLimit);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new Errors.UNSUPPORTED_MEDIA_TYPE(JSON.stringify(request.headers['content-type'] ?? ''));
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new Errors.INVALID_JSON();
  }
  if (error instanceof SyntaxError) return new Errors.INVALID_JSON();
  // The repositories re-check what they store; their words are written for the caller.
  if (isDatabaseError(error, 'invalid_input')) return new Errors.VALIDATION_FAILED(error.message.replace(/\.$/, ''));
  if (error.statusCode === 413) return new Errors.BODY_TOO_LARGE(bodyLimit);
  if (error.statusCode === 415)
    return new Errors.UNSUPPORTED_MEDIA_TYPE(JSON.stringify(request.headers['content-type'] ?? ''));
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return new Errors.VALIDATION_FAILED('the request could not be read');
  }
  return new Errors.INTERNAL(request.id);
}

/** Fastify's router limit on one path parameter; no identifier of the API comes near it. */
export const MAX_PARAM_LENGTH = 100;

/**
 * Errors Fastify raises while routing, before any hook or error handler runs (Fastify option `frameworkErrors`):
 * a URL whose %-encoding is broken or not UTF-8, a path parameter over `MAX_PARAM_LENGTH`, a failed constraint.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const apiError =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new Errors.URI_TOO_LONG(MAX_PARAM_LENGTH)
      : error.code === 'FST_ERR_BAD_URL'
        ? new Errors.BAD_REQUEST('the URL is not valid %-encoded UTF-8')
        : new Errors.BAD_REQUEST('the request could not be routed');
  request.log.info({ code: apiError.code, cause: error.code }, 'request refused');
  reply
    .status(apiError.statusCode ?? 400)
    .type('application/json; charset=utf-8')
    .send({ code: apiError.code, message: apiError.message });
}

/**
 * Node's HTTP parser refuses a request before Fastify has one (Fastify option `clientErrorHandler`): a broken
 * request line or header, headers over 16 KiB, a broken chunked body, a request that never finishes. The answer
 * is written to the socket by hand, in the same `{ code, message }` shape, and the connection closed.
 */
export function clientErrorHandler(this: FastifyInstance, error: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection has no one left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const apiError =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new Errors.HEADERS_TOO_LARGE()
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new Errors.REQUEST_TIMEOUT()
        : new Errors.BAD_REQUEST('the HTTP request is malformed');
  this.log.debug({ code: apiError.code, cause: error.code }, 'client error');
  const status = apiError.statusCode ?? 400;
  const body = JSON.stringify({ code: apiError.code, message: apiError.message });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/** One body shape for every error: `{ code, message }`. */
async function errorsPlugin(app: FastifyInstance): Promise<void> {
  const bodyLimit = app.initialConfig.bodyLimit ?? 1_048_576;

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const apiError = toApiError(error, request, bodyLimit);
    const status = apiError.statusCode ?? 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: apiError.code }, 'request refused');
    return reply.status(status).send({ code: apiError.code, message: apiError.message });
  });

  app.setNotFoundHandler((request, reply) => {
    const e = new Errors.ROUTE_NOT_FOUND(`${request.method} ${request.url.split('?')[0]}`);
    return reply.status(404).send({ code: e.code, message: e.message });
  });
}

export default fp(errorsPlugin, { name: 'exsync-errors' });
