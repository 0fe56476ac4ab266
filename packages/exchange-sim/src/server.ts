/**
 * The composed Fastify app: shared hooks (request log, throttling identity, Graph concurrency meter, injected
 * faults) and the four faces — EWS (`./ews`), Graph (`./graph`), Entra (`./entra`) and control (`./control`).
 * Never listens; see index.ts.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { registerControl } from './control/routes';
import { registerEntra } from './entra/routes';
import { registerEws } from './ews';
import { registerGraph } from './graph/routes';
import { entraErrorBody, graphErrorBody } from './http/fault-responses';
import { admitRequest, classifyFace, finishRequest } from './http/request-hooks';
import './http/request-context';
import type { Simulator } from './simulator';

export { classifyFace };

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

  // Callback-style: admitRequest returns a promise only when it waits.
  app.addHook('onRequest', (request, reply, done) => {
    const admitted = admitRequest(sim, request, reply);
    if (admitted instanceof Promise) admitted.then(() => done(), done);
    else done();
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
    finishRequest(sim, request, reply);
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
