/** Per-request Graph context: authentication, mailbox resolution and role checks, and the error mapping. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AccessTokenClaims } from '../entra/tokens';
import type { Simulator } from '../simulator';
import { isStoreError, StoreError } from '../store/errors';
import type { Mailbox } from '../store/types';
import { GraphError, type PreferOptions, parsePrefer, sendGraphError } from './wire';

export type Workload = 'calendar' | 'contacts' | 'tasks' | 'user';

const ROLES: Record<Workload, { read: string[]; write: string[] }> = {
  calendar: { read: ['Calendars.Read', 'Calendars.ReadWrite', 'Calendars.ReadBasic'], write: ['Calendars.ReadWrite'] },
  contacts: { read: ['Contacts.Read', 'Contacts.ReadWrite'], write: ['Contacts.ReadWrite'] },
  tasks: { read: ['Tasks.Read.All', 'Tasks.ReadWrite.All'], write: ['Tasks.ReadWrite.All'] },
  user: {
    read: ['User.Read.All', 'User.ReadBasic.All', 'Directory.Read.All', 'Calendars.ReadWrite', 'Contacts.ReadWrite'],
    write: ['User.ReadWrite.All'],
  },
};

export interface GraphCtx {
  sim: Simulator;
  request: FastifyRequest;
  reply: FastifyReply;
  origin: string;
  prefer: PreferOptions;
  claims: AccessTokenClaims;
  mailbox: Mailbox;
  /** The user segment as the client wrote it (kept in links). */
  user: string;
  zone: { iana: string; name: string } | undefined;
}

export function originOf(request: FastifyRequest, sim: Simulator): string {
  const host = request.headers.host;
  return host ? `${request.protocol}://${host}` : sim.baseUrl;
}

export async function authenticate(sim: Simulator, request: FastifyRequest): Promise<AccessTokenClaims> {
  const check = await sim.tokens.verify(request.headers.authorization, 'graph');
  if (!check.ok) {
    throw new GraphError(401, 'InvalidAuthenticationToken', check.message, {
      'WWW-Authenticate': `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="${'00000003-0000-0000-c000-000000000000'}"`,
    });
  }
  return check.claims;
}

export async function graphContext(
  sim: Simulator,
  request: FastifyRequest<{ Params: { user: string } }>,
  reply: FastifyReply,
  workload: Workload,
  write: boolean,
): Promise<GraphCtx> {
  const claims = await authenticate(sim, request);
  const needed = write ? ROLES[workload].write : ROLES[workload].read;
  if (!claims.roles?.some((r) => needed.includes(r))) {
    throw new GraphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
  }
  const user = request.params.user;
  const mailbox = sim.store.findMailbox(user);
  if (!mailbox) {
    throw new GraphError(404, 'ErrorInvalidUser', `The requested user '${user}' is invalid.`);
  }
  const registration = sim.directory.findApp(claims.appid);
  if (registration && !sim.directory.appMayAccess(registration, mailbox)) {
    throw new GraphError(
      403,
      'ErrorAccessDenied',
      'Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy settings.',
    );
  }
  if (!mailbox.restEnabled && workload !== 'user') {
    throw new GraphError(
      404,
      'MailboxNotEnabledForRESTAPI',
      'The mailbox is either inactive, soft-deleted, or is hosted on-premise.',
    );
  }
  if (request.simEntry) request.simEntry.mailbox = mailbox.smtpAddress.toLowerCase();
  const prefer = parsePrefer(request.headers);
  return {
    sim,
    request,
    reply,
    origin: originOf(request, sim),
    prefer,
    claims,
    mailbox,
    user,
    zone: prefer.timeZone ? { iana: prefer.timeZone, name: prefer.timeZoneName! } : undefined,
  };
}

export function storeToGraph(sim: Simulator, e: StoreError): GraphError {
  switch (e.code) {
    case 'ItemNotFound':
    case 'OccurrenceNotFound':
    case 'OccurrenceDeleted':
    case 'FolderNotFound':
      return new GraphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    case 'MailboxNotFound':
      return new GraphError(404, 'ErrorInvalidUser', e.message);
    case 'ChangeKeyMismatch':
      return new GraphError(
        sim.graph.etagConflictStatus,
        'ErrorIrresolvableConflict',
        'The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.',
      );
    case 'DuplicateMailbox':
      return new GraphError(409, 'ErrorConflict', e.message);
    default:
      return new GraphError(400, 'ErrorInvalidRequest', e.message);
  }
}

/** Wrap a handler: GraphError/StoreError become Graph error responses; everything gets OData headers. */
export function graphHandler<R extends FastifyRequest>(
  sim: Simulator,
  fn: (request: R, reply: FastifyReply) => Promise<unknown>,
): (request: R, reply: FastifyReply) => Promise<unknown> {
  return async (request, reply) => {
    reply.header('OData-Version', '4.0');
    try {
      const body = await fn(request, reply);
      if (reply.sent) return reply;
      if (body === undefined) return reply.code(reply.statusCode === 200 ? 204 : reply.statusCode).send();
      return reply
        .type('application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8')
        .send(body);
    } catch (e) {
      if (e instanceof GraphError) return sendGraphError(reply, request, e);
      if (isStoreError(e)) return sendGraphError(reply, request, storeToGraph(sim, e));
      if (e instanceof RangeError)
        return sendGraphError(reply, request, new GraphError(400, 'ErrorInvalidRequest', e.message));
      request.log.error(e);
      return sendGraphError(
        reply,
        request,
        new GraphError(500, 'InternalServerError', 'An internal server error occurred.'),
      );
    }
  };
}

export function setPreferenceApplied(ctx: GraphCtx, which: ('timezone' | 'pagesize' | 'idtype')[]): void {
  const applied = ctx.prefer.applied.filter(
    (a) =>
      (which.includes('timezone') && a.startsWith('outlook.timezone')) ||
      (which.includes('pagesize') && a.startsWith('odata.maxpagesize')) ||
      (which.includes('idtype') && a.startsWith('IdType')) ||
      // Only event bodies take a content type; every route that sets the others renders events or none.
      a.startsWith('outlook.body-content-type'),
  );
  if (applied.length) ctx.reply.header('Preference-Applied', applied.join(', '));
}

export { StoreError };
