/**
 * JSON batching: ≤ 20 requests, unique ids, relative URLs, Content-Type required with a body, dependsOn (424 on a
 * failed dependency), at most `batchConcurrency` executed at once, and responses in a shuffled order.
 * Each inner request goes through the simulator's per-request checks (request log, throttling, faults) and its
 * route's handler (authentication included), dispatched in memory by `./inner-requests`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type FindMyWay from 'find-my-way';
import type { Simulator } from '../simulator';
import { authenticate, graphHandler } from './context';
import { dispatchInner } from './inner-requests';
import { badRequest } from './wire';

interface InnerRequest {
  id: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  dependsOn?: string[];
}

interface InnerResponse {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
  /** A JSON body exactly as the inner request answered it: spliced into the batch answer, never re-parsed. */
  rawJson?: string;
}

/**
 * One response of the batch as JSON text, as `JSON.stringify({ id, status, headers, body })` writes it; a raw JSON
 * body goes in as it is (parsing and re-serializing 20 items costs).
 */
function responseJson(r: InnerResponse): string {
  const head = `{"id":${JSON.stringify(r.id)},"status":${r.status},"headers":${JSON.stringify(r.headers)}`;
  if (r.rawJson !== undefined) return `${head},"body":${r.rawJson}}`;
  return r.body === undefined ? `${head}}` : `${head},"body":${JSON.stringify(r.body)}}`;
}

const KEPT_HEADERS = ['content-type', 'retry-after', 'location', 'etag', 'preference-applied', 'odata-version'];

export function registerBatch(app: FastifyInstance, sim: Simulator, routes: ReturnType<typeof FindMyWay>): void {
  let batchCounter = 0;
  app.post(
    '/v1.0/$batch',
    graphHandler(sim, async (req: FastifyRequest<{ Body: { requests?: InnerRequest[] } }>) => {
      await authenticate(sim, req);
      const requests = req.body?.requests;
      if (!Array.isArray(requests) || requests.length === 0)
        throw badRequest('A batch needs a non-empty "requests" array.', 'BadRequest');
      if (requests.length > 20) throw badRequest('The number of batch requests exceeds the limit of 20.', 'BadRequest');
      const ids = new Set<string>();
      for (const r of requests) {
        if (typeof r?.id !== 'string' || !r.id) throw badRequest('Every batch request needs an id.', 'BadRequest');
        if (ids.has(r.id)) throw badRequest(`Batch request ids must be unique; "${r.id}" repeats.`, 'BadRequest');
        ids.add(r.id);
        if (typeof r.method !== 'string' || typeof r.url !== 'string')
          throw badRequest(`Request ${r.id} needs method and url.`, 'BadRequest');
        if (/^https?:/i.test(r.url)) throw badRequest(`Request ${r.id}: batch urls must be relative.`, 'BadRequest');
      }
      for (const r of requests) {
        for (const d of r.dependsOn ?? [])
          if (!ids.has(d)) throw badRequest(`Request ${r.id} depends on unknown id ${d}.`, 'BadRequest');
      }

      const results = new Map<string, InnerResponse>();
      const running = new Map<string, Promise<InnerResponse>>();
      let active = 0;
      const queue: (() => void)[] = [];
      const slot = async () => {
        if (active >= sim.graph.batchConcurrency) await new Promise<void>((r) => queue.push(r));
        active++;
      };
      const free = () => {
        active--;
        queue.shift()?.();
      };

      const run = async (r: InnerRequest): Promise<InnerResponse> => {
        const deps = r.dependsOn?.length ? await Promise.all(r.dependsOn.map((d) => running.get(d)!)) : undefined;
        if (deps?.some((d) => d.status >= 400)) {
          return {
            id: r.id,
            status: 424,
            headers: { 'Content-Type': 'application/json' },
            body: { error: { code: 'FailedDependency', message: 'A request this request depends on failed.' } },
          };
        }
        const headers: Record<string, string> = {};
        if (r.headers) for (const k in r.headers) headers[k.toLowerCase()] = String(r.headers[k]);
        if (r.body !== undefined && !headers['content-type']) {
          return {
            id: r.id,
            status: 400,
            headers: { 'Content-Type': 'application/json' },
            body: { error: { code: 'BadRequest', message: 'Content-Type header is required when a body is present.' } },
          };
        }
        await slot();
        try {
          const res = await dispatchInner(sim, routes, {
            method: r.method.toUpperCase(),
            url: `/v1.0${r.url.startsWith('/') ? '' : '/'}${r.url}`,
            headers: Object.assign(headers, {
              authorization: req.headers.authorization ?? '',
              host: req.headers.host ?? 'localhost',
              'x-sim-batch-inner': '1',
            }),
            body: r.body,
            outer: req,
          });
          const out: InnerResponse = { id: r.id, status: res.status, headers: {} };
          for (const h of KEPT_HEADERS) {
            const v = res.headers[h];
            if (v !== undefined)
              out.headers[h === 'content-type' ? 'Content-Type' : h === 'retry-after' ? 'Retry-After' : h] = v;
          }
          // Text with a JSON type is JSON serialized already: spliced in as it is. Other text (an HTML error page)
          // stays a string; an empty answer has no body.
          if (typeof res.payload === 'string') {
            if (res.payload && /json/i.test(res.headers['content-type'] ?? '')) out.rawJson = res.payload;
            else if (res.payload) out.body = res.payload;
          } else if (res.payload !== undefined) out.body = res.payload;
          return out;
        } finally {
          free();
        }
      };

      for (const r of requests) running.set(r.id, run(r));
      for (const [id, p] of running) results.set(id, await p);

      // Responses come back in any order; shuffle deterministically and never keep the request order.
      const out = [...results.values()];
      let seed = (++batchCounter * 2654435761) >>> 0;
      for (let i = out.length - 1; i > 0; i--) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        const j = seed % (i + 1);
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      if (out.length > 1 && out.every((o, i) => o.id === requests[i]!.id)) out.push(out.shift()!);
      return `{"responses":[${out.map(responseJson).join(',')}]}`;
    }),
  );
}
