/**
 * The composed Fastify app: shared hooks (request log, throttling identity, Graph concurrency meter, injected
 * faults) and the four faces — EWS (`./ews`), Graph (`./graph`), Entra (`./entra`) and control (`./control`).
 * Never listens; see index.ts.
 */
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Face } from './control/faults';
import { registerControl } from './control/routes';
import { registerEntra } from './entra/routes';
import { peekAppId } from './entra/tokens';
import { registerEws } from './ews';
import { registerGraph } from './graph/routes';
import { entraErrorBody, graphErrorBody, sendFault } from './http/fault-responses';
import './http/request-context';
import type { Simulator } from './simulator';

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

export function buildServer(sim: Simulator): FastifyInstance {
  const app = Fastify({
    logger: sim.options.logger ?? false,
    bodyLimit: 50 * 1024 * 1024,
    // Graph ids and delta tokens are long path segments.
    routerOptions: { maxParamLength: 2000 },
    genReqId: () => crypto.randomUUID(),
    // The control API's schemas refuse an unknown field (a typo) rather than silently dropping it, and never
    // coerce a type ("10" is not a number).
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  });

  // Clients send Content-Type: application/json on DELETE without a body; Graph accepts that.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = (body as string).trim();
    if (!text) return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(Object.assign(new Error('The request body is not valid JSON.'), { statusCode: 400 }), undefined);
    }
  });

  // Framework-level failures (bad JSON, unknown media type, body too large) in each face's own error dialect.
  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    const face = classifyFace(request.url);
    if (status >= 500) request.log.error(error);
    const message = status >= 500 ? 'An internal server error occurred.' : error.message;
    if (face === 'graph') {
      return reply
        .code(status)
        .send(graphErrorBody(request, status >= 500 ? 'InternalServerError' : 'BadRequest', message));
    }
    if (face === 'entra') return reply.code(status).send(entraErrorBody('invalid_request', 900144, message));
    return reply
      .code(status)
      .send({ statusCode: status, error: status >= 500 ? 'Internal Server Error' : 'Bad Request', message });
  });

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  app.addHook('onRequest', async (request, reply) => {
    const face = classifyFace(request.url);
    const client = clientOf(request);
    const named = mailboxOf(face, request);
    // One meter and one fault target per mailbox, whether the client names it by id, UPN or SMTP address.
    const mailbox = named ? (sim.store.findMailbox(named)?.smtpAddress.toLowerCase() ?? named) : undefined;
    const prefer = request.headers.prefer;
    const entry = sim.log.start({
      at: Date.now(),
      virtualAt: sim.clock.now(),
      face,
      method: request.method,
      url: request.url,
      client,
      ...(mailbox ? { mailbox } : {}),
      ...(request.headers['client-request-id']
        ? { clientRequestId: String(request.headers['client-request-id']) }
        : {}),
      ...(typeof request.headers['x-anchormailbox'] === 'string'
        ? { anchorMailbox: request.headers['x-anchormailbox'] }
        : {}),
      ...(prefer ? { prefer: Array.isArray(prefer) ? prefer.join(', ') : prefer } : {}),
      ...(request.headers['x-sim-batch-inner'] ? { batchInner: true } : {}),
    });
    request.simEntry = entry;
    const key = `${face}|${client}|${mailbox ?? ''}`;
    request.simClientKey = key;
    const wait = sim.throttle.checkWait(key);
    if (wait) entry.retryWait = wait;

    if (face === 'graph') {
      reply.header('request-id', String(request.id));
      reply.header('client-request-id', String(request.headers['client-request-id'] ?? request.id));
      if (mailbox) {
        const meterKey = `${client}|${mailbox}`;
        const release = sim.throttle.acquire(meterKey, sim.graph.concurrencyLimit);
        const overRate = release && sim.throttle.overRate(meterKey, sim.graph.rateLimitPer10Min, 600_000);
        if (!release || overRate) {
          release?.();
          entry.throttled = true;
          reply.header('Retry-After', String(sim.graph.retryAfterSeconds));
          const message = overRate
            ? 'Application is over its MailboxRequestRate limit.'
            : 'Application is over its MailboxConcurrency limit.';
          return reply.code(429).send(graphErrorBody(request, 'ApplicationThrottled', message));
        }
        request.simRelease = release;
      }
      if (sim.graph.latencyMs > 0) await sleep(sim.graph.latencyMs);
    }

    const fault = sim.faults.take({ face, method: request.method, path: request.url, ...(mailbox ? { mailbox } : {}) });
    if (!fault) return;
    entry.faultId = fault.id;
    const action = fault.action;
    if (action.kind === 'slow') {
      await sleep(action.delayMs);
      return;
    }
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
  });

  // Callback-style hooks where nothing is awaited: an async hook costs a promise and a microtask turn on every
  // request, and these run on every one.
  app.addHook('onSend', (request, reply, payload, done) => {
    const lost = request.simReplyLost;
    if (!lost) return done(null, payload);
    // The write is already stored; the client sees a reset, or silence until its own timeout.
    const drop = () => {
      request.simRelease?.();
      reply.hijack();
      request.raw.socket?.destroy();
      done(null, payload);
    };
    if (lost.after === 'timeout') setTimeout(drop, lost.holdMs ?? 60_000);
    else drop();
  });

  app.addHook('onResponse', (request, reply, done) => {
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
    done();
  });
  app.addHook('onRequestAbort', async (request) => {
    request.simRelease?.();
  });

  registerEntra(app, sim);
  registerGraph(app, sim);
  registerControl(app, sim);
  registerEws(app, sim);
  return app;
}
