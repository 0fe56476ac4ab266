/**
 * Runs the inner requests of a JSON `$batch` without a trip through Fastify: the Graph face's routes are kept in a
 * table of their own (find-my-way, the router Fastify itself uses, so paths, parameters and query strings resolve
 * exactly as on the wire), and each inner request is handed to its route's handler as a small request/reply pair.
 * The per-request work Fastify's hooks do — request log, throttling, injected faults — runs through the same
 * `admitRequest`/`finishRequest` as every request on the wire. `app.inject()` did the same through a simulated
 * socket, and cost more CPU per inner request than the syncing client spent on it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import FindMyWay from 'find-my-way';
import { graphErrorBody } from '../http/fault-responses';
import { admitRequest, finishRequest } from '../http/request-hooks';
import type { Simulator } from '../simulator';

export interface InnerCall {
  method: string;
  /** Path and query under the version, e.g. `/v1.0/users/a/events?$top=5`. */
  url: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** The inner request's body as the batch carried it (a JSON value, or text). */
  body: unknown;
  /** The `$batch` request: its protocol and logger serve the inner one. */
  outer: FastifyRequest;
}

export interface InnerAnswer {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** What the handler sent: a value to serialize, or text (already serialized JSON when the type says so). */
  payload: unknown;
}

type Router = ReturnType<typeof FindMyWay>;

/**
 * The Graph routes as they are registered from now on (call before registering them). Fastify's own router is not
 * reachable with the handlers: `findRoute` returns its internal dispatch function, not the route's handler.
 */
export function graphRouteTable(app: FastifyInstance): Router {
  // The options that matter for matching are Fastify's: see buildServer's routerOptions.
  const router = FindMyWay({ maxParamLength: 2000 });
  // The instance's parser is the default one (not in find-my-way's types): wrapped, so the parsing stays its own.
  const own = router as unknown as { querystringParser: (query: string) => Record<string, unknown> };
  own.querystringParser = parsedOnce(own.querystringParser.bind(router));
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/v1.0')) return;
    for (const method of [route.method].flat() as FindMyWay.HTTPMethod[]) {
      if (router.hasRoute(method, route.url)) continue;
      router.on(method, route.url, route.handler as unknown as FindMyWay.Handler<FindMyWay.HTTPVersion.V1>);
    }
  });
  return router;
}

/**
 * The router's own query parser (fast-querystring, as Fastify's), run once per distinct query text: the inner
 * requests of a sync's `$batch` reads carry the same long URL-encoded `$expand` a thousand times. Each request gets
 * its own copy (a handler may add to its query). Bounded: cleared when full.
 */
function parsedOnce(parse: (query: string) => Record<string, unknown>): (query: string) => Record<string, unknown> {
  const parsed = new Map<string, Record<string, unknown>>();
  return (query) => {
    let q = parsed.get(query);
    if (q === undefined) {
      q = parse(query);
      if (parsed.size >= 256) parsed.clear();
      parsed.set(query, q);
    }
    const copy: Record<string, unknown> = {};
    for (const k in q) copy[k] = Array.isArray(q[k]) ? [...(q[k] as unknown[])] : q[k];
    return copy;
  };
}

/** The subset of FastifyReply the Graph handlers, error mapping and fault responses use, recorded in memory. */
class InnerReply {
  statusCode = 200;
  sent = false;
  payload: unknown;
  readonly headers: Record<string, string> = {};

  code(status: number): this {
    this.statusCode = status;
    return this;
  }
  status(status: number): this {
    return this.code(status);
  }
  header(name: string, value: unknown): this {
    this.headers[name.toLowerCase()] = String(value);
    return this;
  }
  getHeader(name: string): string | undefined {
    return this.headers[name.toLowerCase()];
  }
  type(contentType: string): this {
    return this.header('content-type', contentType);
  }
  send(payload?: unknown): this {
    if (this.sent) return this;
    this.sent = true;
    this.payload = payload;
    // Fastify's defaults for an untyped answer.
    if (payload !== undefined && payload !== '' && this.headers['content-type'] === undefined)
      this.type(typeof payload === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8');
    return this;
  }
  /** An inner request has no socket; `admitRequest` answers a reset fault with an empty 500 instead. */
  hijack(): this {
    return this;
  }
}

/** Run one inner request through the simulator's per-request checks and its route, the way Fastify would. */
export async function dispatchInner(sim: Simulator, router: Router, call: InnerCall): Promise<InnerAnswer> {
  const route = router.find(call.method as FindMyWay.HTTPMethod, call.url);
  const reply = new InnerReply();
  const request = {
    id: crypto.randomUUID(),
    method: call.method,
    url: call.url,
    headers: call.headers,
    params: route?.params ?? {},
    query: route?.searchParams ?? {},
    body: undefined as unknown,
    protocol: call.outer.protocol,
    log: call.outer.log,
    raw: call.outer.raw,
  } as unknown as FastifyRequest;
  const fastifyReply = reply as unknown as FastifyReply;
  try {
    const admitted = admitRequest(sim, request, fastifyReply);
    if (admitted instanceof Promise) await admitted;
    if (!reply.sent) {
      if (!route)
        reply.code(404).send(graphErrorBody(request, 'BadRequest', `Route ${call.method}:${call.url} not found`));
      else if (parseBody(call, request, reply)) {
        const handler = route.handler as unknown as RouteHandlerMethod;
        const body = await handler.call(undefined as never, request, fastifyReply);
        if (!reply.sent && body !== undefined && body !== fastifyReply) reply.send(body);
      }
    }
  } finally {
    finishRequest(sim, request, fastifyReply);
  }
  return { status: reply.statusCode, headers: reply.headers, payload: reply.payload };
}

/** The body as Fastify's content-type parsers would give it to the handler; false when it answered an error. */
function parseBody(call: InnerCall, request: FastifyRequest, reply: InnerReply): boolean {
  if (call.body === undefined) return true;
  const type = call.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) {
    reply.code(415).send(graphErrorBody(request, 'BadRequest', `Unsupported Media Type: ${type}`));
    return false;
  }
  if (typeof call.body !== 'string') {
    request.body = call.body;
    return true;
  }
  const text = call.body.trim();
  try {
    request.body = text ? JSON.parse(text) : undefined;
    return true;
  } catch {
    reply.code(400).send(graphErrorBody(request, 'BadRequest', 'The request body is not valid JSON.'));
    return false;
  }
}
