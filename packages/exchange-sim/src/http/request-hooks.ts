/**
 * What the simulator does around every request, whichever way it arrives: the request log, throttling identity and
 * advertised waits, the Graph concurrency and rate meters, and injected faults (`admitRequest`, Fastify's onRequest);
 * the log entry's outcome, the meter's release and any Retry-After advertised (`finishRequest`, onResponse). Fastify
 * calls them for requests on the wire; the Graph `$batch` calls them for each inner request it dispatches itself.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Face } from '../control/faults';
import type { RequestLogEntry } from '../control/request-log';
import { peekAppId } from '../entra/tokens';
import type { Simulator } from '../simulator';
import { graphErrorBody, sendFault } from './fault-responses';

export function classifyFace(url: string): Face {
  const path = url.split('?')[0]!;
  if (/^\/ews\//i.test(path)) return 'ews';
  if (/^\/(v1\.0|beta)(\/|$)/.test(path) || path.startsWith('/$batch')) return 'graph';
  if (path.startsWith('/_control')) return 'control';
  if (/^\/[^/]+\/(oauth2|v2\.0|discovery)\//.test(path) || path.startsWith('/common/discovery')) return 'entra';
  return 'other';
}

function clientOf(request: FastifyRequest): string {
  const auth = request.headers.authorization ?? '';
  const app = peekAppId(auth);
  if (app) return app;
  const basic = /^Basic\s+(\S+)$/i.exec(auth);
  if (basic) return Buffer.from(basic[1]!, 'base64').toString('utf8').split(':')[0]!.toLowerCase();
  if (/^(NTLM|Negotiate)\s/i.test(auth)) return 'ntlm';
  return 'anonymous';
}

function mailboxOf(face: Face, request: FastifyRequest): string | undefined {
  if (face === 'graph') {
    const m = /^\/(?:v1\.0|beta)\/users\/([^/?]+)/.exec(request.url);
    if (m) {
      try {
        return decodeURIComponent(m[1]!).toLowerCase();
      } catch {
        return m[1]!.toLowerCase();
      }
    }
    return undefined;
  }
  const anchor = request.headers['x-anchormailbox'];
  return typeof anchor === 'string' ? anchor.toLowerCase() : undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Log, meter and fault a request before its handler runs; the request is answered already if `reply.sent`.
 * Returns a promise only when it has to wait (configured latency, a slow fault): a `$batch` runs this for each of
 * its ~20 inner requests, and a promise and a microtask turn each cost more than the checks themselves.
 */
export function admitRequest(
  sim: Simulator,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply | undefined> | FastifyReply | undefined {
  const face = classifyFace(request.url);
  const client = clientOf(request);
  const named = mailboxOf(face, request);
  // One meter and one fault target per mailbox, whether the client names it by id, UPN or SMTP address.
  const mailbox = named ? (sim.store.findMailbox(named)?.smtpAddress.toLowerCase() ?? named) : undefined;
  const headers = request.headers;
  // The entry as one literal (no spreads of optional parts: each spread copied the object built so far).
  const entry: Omit<RequestLogEntry, 'seq'> = {
    at: Date.now(),
    virtualAt: sim.clock.now(),
    face,
    method: request.method,
    url: request.url,
    client,
  };
  if (mailbox) entry.mailbox = mailbox;
  if (headers['client-request-id']) entry.clientRequestId = String(headers['client-request-id']);
  const anchor = headers['x-anchormailbox'];
  if (typeof anchor === 'string') entry.anchorMailbox = anchor;
  const prefer = headers.prefer;
  if (prefer) entry.prefer = Array.isArray(prefer) ? prefer.join(', ') : prefer;
  if (headers['x-sim-batch-inner']) entry.batchInner = true;
  const logged = sim.log.start(entry);
  request.simEntry = logged;
  const key = `${face}|${client}|${mailbox ?? ''}`;
  request.simClientKey = key;
  const wait = sim.throttle.checkWait(key);
  if (wait) logged.retryWait = wait;

  if (face === 'graph') {
    const id = String(request.id);
    reply.header('request-id', id);
    reply.header(
      'client-request-id',
      headers['client-request-id'] === undefined ? id : String(headers['client-request-id']),
    );
    if (mailbox) {
      const meterKey = `${client}|${mailbox}`;
      const release = sim.throttle.acquire(meterKey, sim.graph.concurrencyLimit);
      const overRate = release && sim.throttle.overRate(meterKey, sim.graph.rateLimitPer10Min, 600_000);
      if (!release || overRate) {
        release?.();
        logged.throttled = true;
        reply.header('Retry-After', String(sim.graph.retryAfterSeconds));
        const message = overRate
          ? 'Application is over its MailboxRequestRate limit.'
          : 'Application is over its MailboxConcurrency limit.';
        return reply.code(429).send(graphErrorBody(request, 'ApplicationThrottled', message));
      }
      request.simRelease = release;
    }
    if (sim.graph.latencyMs > 0)
      return sleep(sim.graph.latencyMs).then(() => applyFault(sim, face, mailbox, request, reply));
  }
  return applyFault(sim, face, mailbox, request, reply);
}

/** The first armed fault that matches the request, carried out. */
function applyFault(
  sim: Simulator,
  face: Face,
  mailbox: string | undefined,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply | undefined> | FastifyReply | undefined {
  if (!sim.faults.armed) return;
  const entry = request.simEntry!;
  const fault = sim.faults.take({ face, method: request.method, path: request.url, ...(mailbox ? { mailbox } : {}) });
  if (!fault) return;
  entry.faultId = fault.id;
  const action = fault.action;
  if (action.kind === 'slow') return sleep(action.delayMs).then(() => undefined);
  if (action.kind === 'replyLost') {
    // Carried out as usual; the answer is dropped in onSend. An inner batch request has no socket of its own.
    if (!entry.batchInner) request.simReplyLost = action;
    return;
  }
  if (action.kind === 'reset' && entry.batchInner) {
    // An injected inner request has no socket to drop; the nearest thing is an empty 500.
    return sendFault(face, { kind: 'error500', body: 'empty' }, request, reply);
  }
  if (action.kind === 'reset') {
    reply.hijack();
    request.raw.socket?.destroy();
    request.simRelease?.();
    return reply;
  }
  if (action.kind === 'ewsServerBusy' && action.channel === 'inBand' && face === 'ews') {
    request.simFault = fault;
    return;
  }
  if (action.kind === 'ewsServerBusy' && face !== 'ews') {
    return sendFault(face, { kind: 'status', status: 503 }, request, reply);
  }
  return sendFault(face, action, request, reply);
}

/** Record how a request was answered and release what it held. */
export function finishRequest(sim: Simulator, request: FastifyRequest, reply: FastifyReply): void {
  request.simRelease?.();
  const entry = request.simEntry;
  if (entry) {
    entry.status = reply.statusCode;
    entry.durationMs = Date.now() - entry.at;
    const retryAfter = reply.getHeader('retry-after');
    if (retryAfter !== undefined && request.simClientKey) {
      sim.throttle.advertise(request.simClientKey, Number(retryAfter) * 1000);
    }
  }
}
