/**
 * The EWS SOAP face of the simulator, mounted at /EWS/Exchange.asmx (reference §1, checklist §5.2).
 *
 * Request path: auth (Basic, NTLM handshake as @ewsjs/xhr performs it, OAuth bearer from the Entra face) →
 * envelope parsing (namespace-resolved, DTDs refused, dispatch on the first element of soap:Body) →
 * RequestServerVersion check → ExchangeImpersonation / X-AnchorMailbox → injected faults and the request budget →
 * the operation (./ops) → an m:/t: response in the order of Microsoft's examples, or a SOAP fault.
 *
 * Behaviours the reference marks uncertain are knobs: `configureEws(sim, { autoResolveStale, deleteChecksChangeKey,
 * missingAnchor, budgetPer10s, budgetBackOffMs, challenges })`.
 */
import { createHash } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Simulator } from '../simulator';
import '../http/request-context';
import { authenticate } from './auth/authenticate';
import { ewsBehaviour } from './behaviour';
import { type EwsContext, principalName } from './context';
import { dispatch } from './dispatch';
import { envelope, faultEnvelope } from './envelope';
import { EwsFault } from './errors';
import { resolveMailbox } from './impersonation';
import { isPhotoSize, photoOf } from './ops/user-photo';
import { parseSoapRequest } from './request';
import { AFFINITY_COOKIE, routingOf } from './streaming';
import { ianaFromWindowsId } from './timezone';
import { T } from './xml/namespaces';
import { child } from './xml/parse';

export { configureEws, type EwsBehaviour } from './behaviour';

/** Exchange's own spellings of the endpoint; IIS matches paths case-insensitively. */
const PATHS = [
  '/EWS/Exchange.asmx',
  '/ews/exchange.asmx',
  '/EWS/exchange.asmx',
  '/ews/Exchange.asmx',
  '/EWS/EXCHANGE.ASMX',
];

/** EWSMaxConcurrency of Exchange 2013+ per caller. */
const MAX_CONCURRENCY = 27;

function challengeHeaders(sim: Simulator): Record<string, string | string[]> {
  const c = ewsBehaviour(sim).challenges.map((s) => (s === 'Basic' ? 'Basic realm="exch01.contoso.local"' : s));
  return { 'www-authenticate': c };
}

/** `SIM_EWS_TRACE=<file>`: append every SOAP request and answer to that file (debugging a third-party client). */
const TRACE = process.env.SIM_EWS_TRACE;
function trace(direction: '>>>' | '<<<', text: string): void {
  if (TRACE) appendFileSync(TRACE, `${direction} ${text}\n`);
}

function sendXml(reply: FastifyReply, status: number, xml: string): FastifyReply {
  if (TRACE) trace('<<<', `${status} ${xml}`);
  // Encoded once here: a string payload is measured (Buffer.byteLength) for Content-Length and then encoded again
  // by the socket write, two passes over answers that run to megabytes.
  return reply.code(status).header('content-type', 'text/xml; charset=utf-8').send(Buffer.from(xml, 'utf8'));
}

function note(request: FastifyRequest, text: string): void {
  const e = request.simEntry;
  if (e) e.notes = [...(e.notes ?? []), text];
}

/** Mounts the EWS SOAP face at /EWS/Exchange.asmx (GET answers only the NTLM handshake, as IIS does). */
export function registerEws(app: FastifyInstance, sim: Simulator): void {
  const syncSecret = createHash('sha256')
    .update(`ews-syncstate:${sim.options.seed ?? 'exsync-sim'}:${sim.tenantId}`)
    .digest('hex');
  app.register(async (scope) => {
    scope.addContentTypeParser(
      ['text/xml', 'application/soap+xml', 'application/xml'],
      { parseAs: 'string', bodyLimit: 50 * 1024 * 1024 },
      (_req, body, done) => done(null, body),
    );
    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      const auth = await authenticate(sim, request.headers.authorization, request.raw.socket, () =>
        challengeHeaders(sim),
      );
      if (!auth.ok) {
        note(request, `auth: ${auth.reason}`);
        for (const [k, v] of Object.entries(auth.headers)) reply.header(k, v);
        return reply.code(auth.status).send('');
      }
      if (request.method !== 'POST') return reply.code(405).header('allow', 'POST').send('');
      const principal = auth.principal;
      if (request.simEntry) request.simEntry.client = principalName(principal);
      const release = sim.throttle.acquire(`ews-concurrency|${principalName(principal)}`, MAX_CONCURRENCY);
      try {
        if (!release) {
          throw new EwsFault('ErrorServerBusy', undefined, {
            BackOffMilliseconds: String(ewsBehaviour(sim).budgetBackOffMs),
          });
        }
        const body = typeof request.body === 'string' ? request.body : '';
        trace('>>>', body);
        const soap = parseSoapRequest(body);
        const opName = soap.operation.name;
        if (request.simEntry) request.simEntry.operation = opName;
        const { mailbox, impersonated } = resolveMailbox(sim, principal, soap.header);
        if (request.simEntry) request.simEntry.mailbox = mailbox.smtpAddress.toLowerCase();
        const anchor = request.headers['x-anchormailbox'];
        if (impersonated) {
          const matched = typeof anchor === 'string' && anchor.toLowerCase() === mailbox.smtpAddress.toLowerCase();
          note(
            request,
            matched ? 'X-AnchorMailbox matched' : anchor ? 'X-AnchorMailbox mismatched' : 'X-AnchorMailbox missing',
          );
          if (!matched) {
            const b = ewsBehaviour(sim).missingAnchor;
            if (b === 'fail') return reply.code(503).send('');
            if (b === 'slow') await new Promise((r) => setTimeout(r, 500));
          }
        }
        let inBandBusyMs: number | undefined;
        const pre = request.simFault?.action;
        if (pre?.kind === 'ewsServerBusy') inBandBusyMs = pre.backOffMs;
        // Rules naming an operation or mailbox can only be matched here, once the SOAP body is known.
        const rule = sim.faults.peek({
          face: 'ews',
          method: request.method,
          path: request.url,
          operation: opName,
          mailbox: mailbox.smtpAddress,
        });
        if (rule && (rule.operation || rule.mailbox) && inBandBusyMs === undefined) {
          const taken = sim.faults.take({
            face: 'ews',
            method: request.method,
            path: request.url,
            operation: opName,
            mailbox: mailbox.smtpAddress,
          });
          const a = taken?.action;
          if (request.simEntry && taken) request.simEntry.faultId = taken.id;
          if (a?.kind === 'ewsServerBusy' && a.channel === 'inBand') inBandBusyMs = a.backOffMs;
          else if (a?.kind === 'ewsServerBusy')
            throw new EwsFault('ErrorServerBusy', undefined, { BackOffMilliseconds: String(a.backOffMs) });
          else if (a?.kind === 'slow') await new Promise((r) => setTimeout(r, a.delayMs));
          // Carried out as usual; the server's onSend hook then drops the answer.
          else if (a?.kind === 'replyLost') request.simReplyLost = a;
          else if (a?.kind === 'reset') {
            reply.hijack();
            request.raw.socket.destroy();
            return reply;
          } else if (a?.kind === 'error500') {
            if (a.body === 'empty') return reply.code(500).header('content-length', '0').send('');
            if (a.body === 'html')
              return reply
                .code(500)
                .type('text/html; charset=utf-8')
                .send("<html><body><h1>Server Error in '/EWS' Application.</h1></body></html>");
            throw new EwsFault('ErrorInternalServerError');
          } else if (a?.kind === 'status') {
            if (a.retryAfterSeconds !== undefined) reply.header('retry-after', String(a.retryAfterSeconds));
            return reply.code(a.status).send('');
          }
        }
        const behaviour = ewsBehaviour(sim);
        const budgetKey = request.simClientKey ?? `ews|${principalName(principal)}`;
        if (inBandBusyMs === undefined && behaviour.budgetPer10s > 0) {
          if (sim.throttle.overRate(`ews-budget|${principalName(principal)}`, behaviour.budgetPer10s, 10_000)) {
            inBandBusyMs = behaviour.budgetBackOffMs;
          }
        }
        if (inBandBusyMs !== undefined) {
          sim.throttle.advertise(budgetKey, inBandBusyMs);
          if (request.simEntry) request.simEntry.throttled = true;
        }
        const ctx: EwsContext = {
          sim,
          store: sim.store,
          principal,
          mailbox,
          impersonated,
          request: soap,
          contextZone: ianaFromWindowsId(
            child(child(soap.header, T, 'TimeZoneContext'), T, 'TimeZoneDefinition')?.attrs.Id,
          ),
          syncSecret,
          inBandBusyMs,
        };
        if (opName === 'Subscribe' || opName === 'Unsubscribe' || opName === 'GetStreamingEvents') {
          const routing = routingOf(request.headers);
          const streaming = sim.ewsStreaming;
          if (opName === 'Subscribe') {
            const { xml, cookie } = streaming.subscribe(ctx, soap.operation, routing);
            if (cookie) reply.header('set-cookie', `${AFFINITY_COOKIE}=${cookie}; path=/; secure; HttpOnly`);
            return sendXml(reply, 200, envelope(xml));
          }
          if (opName === 'Unsubscribe')
            return sendXml(reply, 200, envelope(streaming.unsubscribe(ctx, soap.operation, routing)));
          const checked = streaming.check(ctx, soap.operation, routing);
          if ('error' in checked) return sendXml(reply, 200, envelope(checked.error));
          // The answer stays open for ConnectionTimeout minutes; the concurrency slot is not held meanwhile.
          reply.hijack();
          streaming.open(reply.raw, checked.ids, checked.minutes);
          return reply;
        }
        return sendXml(reply, 200, envelope(dispatch(ctx, soap.operation)));
      } catch (e) {
        if (e instanceof EwsFault) {
          if (e.code === 'ErrorServerBusy') {
            const ms = Number(e.values?.BackOffMilliseconds ?? 0);
            sim.throttle.advertise(request.simClientKey ?? `ews|${principalName(principal)}`, ms);
            if (request.simEntry) request.simEntry.throttled = true;
          }
          note(request, `fault: ${e.code}`);
          return sendXml(reply, e.httpStatus, faultEnvelope(e));
        }
        request.log.error(e);
        note(request, `internal error: ${(e as Error).message}`);
        return sendXml(reply, 500, faultEnvelope(new EwsFault('ErrorInternalServerError')));
      } finally {
        release?.();
      }
    };
    for (const url of PATHS) scope.route({ method: ['GET', 'POST'], url, handler });
    // GetUserPhoto's plain GET form: the image itself, its ETag, 304 for a matching If-None-Match, 404 without one.
    const photoHandler = async (request: FastifyRequest, reply: FastifyReply) => {
      const auth = await authenticate(sim, request.headers.authorization, request.raw.socket, () =>
        challengeHeaders(sim),
      );
      if (!auth.ok) {
        note(request, `auth: ${auth.reason}`);
        for (const [k, v] of Object.entries(auth.headers)) reply.header(k, v);
        return reply.code(auth.status).send('');
      }
      const q = request.query as Record<string, string | undefined>;
      if (request.simEntry) request.simEntry.operation = 'GetUserPhoto';
      if (!q.email || !isPhotoSize(q.size)) return reply.code(400).send('');
      const photo = photoOf(sim, q.email);
      if (!photo) return reply.code(404).send('');
      reply.header('etag', photo.etag);
      if (request.headers['if-none-match'] === photo.etag) return reply.code(304).send('');
      return reply.code(200).header('content-type', photo.contentType).send(photo.data);
    };
    for (const url of PATHS) scope.get(`${url}/s/GetUserPhoto`, photoHandler);
  });
}
