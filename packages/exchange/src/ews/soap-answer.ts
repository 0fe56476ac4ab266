import { RetryableError } from '@exsync/core';
import { child, childrenOf, parseXml, XmlRejected, type XNode } from '@exsync/xml';
import { ERRORS_NS, MESSAGES_NS, SOAP_NS, TYPES_NS } from './soap-envelope';

/**
 * Exchange's answer to one of our own SOAP requests, read without ews-javascript-api: the envelope checked, a SOAP
 * fault turned into an `EwsAnswerError`, each response message handed over with its class and code. What is not a
 * SOAP answer to the operation asked is refused with what is wrong in the message.
 */

/** A SOAP fault, an HTTP failure with or without one, or an in-band error: what `classifyEwsError` reads. */
export class EwsAnswerError extends Error {
  override readonly name = 'EwsAnswerError';
  constructor(
    message: string,
    /** Exchange's ResponseCode (ErrorServerBusy, ErrorItemNotFound, …), when it named one. */
    readonly responseCode: string | undefined,
    readonly httpStatus: number | undefined,
    /** BackOffMilliseconds from MessageXml (throttling). */
    readonly backOffMs: number | undefined,
  ) {
    super(message);
  }
}

/** One response message: `ResponseClass` Success, Warning or Error, and the element itself. */
export interface ResponseMessage {
  readonly responseClass: string;
  readonly code: string;
  readonly node: XNode;
}

/** The response messages of a 200 answer to `operation`, in request order. */
export function responseMessages(text: string, operation: string): ResponseMessage[] {
  const body = soapBody(text, operation, 200);
  const response = child(body, MESSAGES_NS, `${operation}Response`);
  const messages = child(response, MESSAGES_NS, 'ResponseMessages');
  if (!messages) throw malformed(operation, `no ${operation}Response/ResponseMessages in the SOAP body`);
  return messages.children.map((node) => ({
    responseClass: node.attrs.ResponseClass ?? 'Success',
    code: textOf(child(node, MESSAGES_NS, 'ResponseCode')) ?? 'NoError',
    node,
  }));
}

/**
 * The one response message of an answer to a request that asked for one thing (a FindItem, a SyncFolderItems): any
 * other count is an answer we cannot read, never an empty result.
 */
export function onlyMessage(messages: readonly ResponseMessage[], operation: string): ResponseMessage {
  return messagesForEach(messages, 1, operation)[0]!;
}

/**
 * The response messages of a request that asked for `count` things at once (an UpdateItem of several ItemChanges):
 * Exchange answers each in request order, so any other count is an answer we cannot pair up with what was asked.
 */
export function messagesForEach(
  messages: readonly ResponseMessage[],
  count: number,
  operation: string,
): readonly ResponseMessage[] {
  if (messages.length !== count) throw malformed(operation, `${messages.length} response messages, not ${count}`);
  return messages;
}

/** The error a response message that is not a success stands for. */
export function messageError(message: ResponseMessage): EwsAnswerError {
  const text = textOf(child(message.node, MESSAGES_NS, 'MessageText'));
  return new EwsAnswerError(
    `${message.code}${text ? `: ${text}` : ''}`,
    message.code === 'NoError' ? undefined : message.code,
    undefined,
    backOffOf(child(message.node, MESSAGES_NS, 'MessageXml')),
  );
}

/**
 * What a failed HTTP exchange stands for: a SOAP fault's code when the body carries one (Exchange answers faults
 * with 500), else the status alone.
 */
export function httpFailure(status: number, text: string, operation: string): EwsAnswerError {
  try {
    soapBody(text, operation, status);
  } catch (error) {
    if (error instanceof EwsAnswerError) return error;
  }
  return new EwsAnswerError(`EWS ${operation} answered HTTP ${status}`, undefined, status, undefined);
}

function soapBody(text: string, operation: string, status: number): XNode {
  let root: XNode;
  try {
    root = parseXml(text);
  } catch (error) {
    if (error instanceof XmlRejected) throw malformed(operation, error.message);
    throw error;
  }
  if (root.ns !== SOAP_NS || root.name !== 'Envelope') throw malformed(operation, `the root element is <${root.name}>`);
  const body = child(root, SOAP_NS, 'Body');
  if (!body) throw malformed(operation, 'the envelope has no Body');
  const fault = child(body, SOAP_NS, 'Fault');
  if (fault) throw faultError(fault, status);
  return body;
}

function faultError(fault: XNode, status: number): EwsAnswerError {
  const detail = fault.children.find((c) => c.name === 'detail');
  const code =
    textOf(child(detail, ERRORS_NS, 'ResponseCode')) ??
    textOf(fault.children.find((c) => c.name === 'faultcode'))?.replace(/^[\w-]+:/, '');
  const text = textOf(fault.children.find((c) => c.name === 'faultstring'));
  return new EwsAnswerError(
    `SOAP fault ${code ?? '(no code)'}${text ? `: ${text}` : ''}`,
    code,
    status,
    backOffOf(child(detail, TYPES_NS, 'MessageXml')),
  );
}

function backOffOf(messageXml: XNode | undefined): number | undefined {
  for (const v of childrenOf(messageXml, TYPES_NS, 'Value')) {
    if (v.attrs.Name !== 'BackOffMilliseconds') continue;
    const ms = Number(v.text.trim());
    if (Number.isFinite(ms) && ms >= 0) return ms;
  }
  return undefined;
}

function malformed(operation: string, what: string): RetryableError {
  return new RetryableError(`Exchange's ${operation} answer is not a SOAP answer we can read (${what})`);
}

function textOf(n: XNode | undefined): string | undefined {
  const t = n?.text.trim();
  return t ? t : undefined;
}
