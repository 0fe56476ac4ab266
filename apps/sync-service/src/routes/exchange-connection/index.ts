import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Static } from 'typebox';
import { Errors } from '../../errors';
import {
  type ExchangeConnection,
  type ExchangeConnectionInput,
  type ServiceStore,
  secretContext,
} from '../../store/port';
import type { MailboxProbe } from '../../sync/mailbox-probe';
import type { Sealed, Vault } from '../../vault/vault';
import { errorResponses, NoContent, opId, scopeParams, type TenantScopeOptions } from '../common';
import {
  AUTH_KINDS_BY_KIND,
  ConnectionBody,
  ConnectionTestBody,
  ConnectionTestResult,
  ConnectionView,
} from './schemas';

function view(c: ExchangeConnection): Static<typeof ConnectionView> {
  return {
    kind: c.kind,
    url: c.endpoint,
    authKind: c.authKind,
    username: c.username,
    entraTenantId: c.entraTenantId,
    clientId: c.clientId,
    authority: c.authority,
    hasSecret: c.hasSecret,
    hasCertificate: c.hasCertificate,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}

type BodyT = Static<typeof ConnectionBody>;

/** Which fields each kind of connection needs, and which secret it stores. */
function plan(body: BodyT): { need: (keyof BodyT)[]; secretField: 'password' | 'clientSecret' | 'certificate' } {
  switch (body.authKind) {
    case 'basic':
    case 'ntlm':
      return { need: ['url', 'username'], secretField: 'password' };
    case 'oauth':
      return { need: ['url', 'entraTenantId', 'clientId'], secretField: 'clientSecret' };
    case 'client_secret':
      return { need: ['entraTenantId', 'clientId'], secretField: 'clientSecret' };
    case 'certificate':
      return { need: ['entraTenantId', 'clientId'], secretField: 'certificate' };
  }
}

export const connectionRoutes: FastifyPluginAsyncTypebox<
  TenantScopeOptions & {
    store: ServiceStore;
    vault: Vault;
    /** Tries one mailbox with the connection; without it POST …/test does not exist. */
    probeMailbox?: MailboxProbe | undefined;
  }
> = async (app, { explicit, store, vault, probeMailbox }) => {
  const params = scopeParams(explicit, {});

  app.get(
    '/exchange-connection',
    {
      config: { access: 'tenant' },
      schema: {
        tags: ['exchange-connection'],
        operationId: opId(explicit, 'getExchangeConnection'),
        summary: "Read the tenant's Exchange connection (secrets shown only as hasSecret / hasCertificate)",
        params,
        response: { 200: ConnectionView, ...errorResponses(404) },
      },
    },
    async (request) => {
      const c = await store.connections.get(request.tenantId!);
      if (!c) throw new Errors.CONNECTION_NOT_FOUND();
      return view(c);
    },
  );

  app.put(
    '/exchange-connection',
    {
      config: { access: 'tenant' },
      schema: {
        tags: ['exchange-connection'],
        operationId: opId(explicit, 'putExchangeConnection'),
        summary: "Create or replace the tenant's Exchange connection",
        description:
          'EWS (on-premises): url, authKind basic or ntlm with username and password, or oauth with entraTenantId, clientId and clientSecret. Graph (Exchange Online): entraTenantId, clientId, and authKind client_secret with clientSecret or certificate with certificate. A secret left out keeps the stored one when the kind and authKind are unchanged.',
        params,
        body: ConnectionBody,
        response: { 200: ConnectionView, ...errorResponses(404, 413, 415) },
      },
    },
    async (request) => {
      const tenantId = request.tenantId!;
      const body = request.body;
      const allowed = AUTH_KINDS_BY_KIND[body.kind] as readonly string[];
      if (!allowed.includes(body.authKind)) {
        throw new Errors.VALIDATION_FAILED(`body.authKind must be one of ${allowed.join(', ')} for ${body.kind}`);
      }
      const { need, secretField } = plan(body);
      for (const field of need) {
        if (body[field] === undefined) {
          throw new Errors.VALIDATION_FAILED(
            `body.${field} is required for ${body.kind} with authKind ${body.authKind}`,
          );
        }
      }
      const foreign = (['password', 'clientSecret', 'certificate'] as const).filter(
        (f) => f !== secretField && body[f] !== undefined,
      );
      if (foreign.length > 0) {
        throw new Errors.VALIDATION_FAILED(`body.${foreign[0]} does not apply to authKind ${body.authKind}`);
      }

      const existing = await store.connections.get(tenantId);
      const sameShape = existing?.kind === body.kind && existing.authKind === body.authKind;
      const field = secretField === 'certificate' ? 'certificate' : 'secret';
      const stored = field === 'certificate' ? existing?.hasCertificate : existing?.hasSecret;
      const given = body[secretField];
      // undefined tells the store to keep the stored ciphertext; it is never read back into the service here.
      let sealed: Sealed | undefined;
      if (given !== undefined) sealed = vault.seal(given, secretContext.exchange(tenantId, field));
      else if (!(sameShape && stored)) {
        throw new Errors.VALIDATION_FAILED(
          `body.${secretField} is required for ${body.kind} with authKind ${body.authKind}`,
        );
      }

      const input: ExchangeConnectionInput = {
        kind: body.kind,
        endpoint: body.url ?? null,
        authKind: body.authKind,
        username: body.username ?? null,
        entraTenantId: body.entraTenantId ?? null,
        clientId: body.clientId ?? null,
        authority: body.authority ? body.authority.replace(/\/+$/, '') : null,
        secret: field === 'secret' ? sealed : null,
        certificate: field === 'certificate' ? sealed : null,
      };
      return view(await store.connections.put(tenantId, input));
    },
  );

  app.delete(
    '/exchange-connection',
    {
      config: { access: 'tenant' },
      schema: {
        tags: ['exchange-connection'],
        operationId: opId(explicit, 'deleteExchangeConnection'),
        summary: "Remove the tenant's Exchange connection and forget its secrets",
        params,
        response: { 204: NoContent, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      if (!(await store.connections.delete(request.tenantId!))) throw new Errors.CONNECTION_NOT_FOUND();
      return reply.status(204).send();
    },
  );

  if (!probeMailbox) return;
  app.post(
    '/exchange-connection/test',
    {
      config: { access: 'tenant' },
      schema: {
        tags: ['exchange-connection'],
        operationId: opId(explicit, 'testExchangeConnection'),
        summary: 'Try the Exchange connection on one mailbox: open its folders as a sync would, write nothing',
        description:
          "Opens the folder of each enabled item kind in the mailbox (given, or the enrolled user's) and reads at most one item, with the saved connection's credentials. A failure answers 200 with ok false and the stateCode a sync would record for it, so the admin can tell a missing mailbox from refused credentials or refused impersonation before enrolling anyone.",
        params,
        body: ConnectionTestBody,
        response: { 200: ConnectionTestResult, ...errorResponses(404, 413, 415) },
      },
    },
    async (request) => {
      const tenantId = request.tenantId!;
      const { mailbox, ncUserId } = request.body;
      if ((mailbox === undefined) === (ncUserId === undefined)) {
        throw new Errors.VALIDATION_FAILED('give either body.mailbox or body.ncUserId');
      }
      if (!(await store.connections.get(tenantId))) throw new Errors.CONNECTION_NOT_FOUND();
      let address = mailbox;
      if (ncUserId !== undefined) {
        const user = await store.users.get(tenantId, ncUserId);
        if (!user) throw new Errors.USER_NOT_FOUND(JSON.stringify(ncUserId));
        address = user.mailbox ?? user.email ?? undefined;
        if (!address) {
          throw new Errors.VALIDATION_FAILED(`user ${JSON.stringify(ncUserId)} has neither a mailbox nor an e-mail`);
        }
      }
      return probeMailbox(tenantId, address!);
    },
  );
};
