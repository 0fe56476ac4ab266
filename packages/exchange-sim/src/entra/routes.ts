/**
 * Entra ID face: the v2.0 token endpoint for client credentials (secret or certificate assertion), OpenID
 * configuration, JWKS and instance discovery. Errors carry AADSTS codes in the shape msal-node parses.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Audience, EWS_RESOURCE, GRAPH_APP_ID, GRAPH_RESOURCE } from '../directory';
import { entraErrorBody } from '../http/fault-responses';
import type { Simulator } from '../simulator';
import { verifyClientAssertion } from './client-assertion';

const RESOURCES: Record<string, Audience> = {
  [GRAPH_RESOURCE]: 'graph',
  [GRAPH_APP_ID]: 'graph',
  'https://graph.microsoft.com/': 'graph',
  [EWS_RESOURCE]: 'ews',
  'https://outlook.office365.com/': 'ews',
  'https://outlook.office.com': 'ews',
  '00000002-0000-0ff1-ce00-000000000000': 'ews',
};

function fail(reply: FastifyReply, status: number, error: string, code: number, description: string) {
  return reply
    .code(status)
    .header('Cache-Control', 'no-store')
    .send(entraErrorBody(error, code, description));
}

function origin(request: FastifyRequest, sim: Simulator): string {
  const host = request.headers.host;
  return host ? `${request.protocol}://${host}` : sim.baseUrl;
}

export function registerEntra(app: FastifyInstance, sim: Simulator): void {
  app.post<{ Params: { tenant: string } }>('/:tenant/oauth2/v2.0/token', async (request, reply) => {
    const { tenant } = request.params;
    const form = (request.body ?? {}) as Record<string, string>;
    if (typeof form !== 'object' || !request.headers['content-type']?.includes('application/x-www-form-urlencoded')) {
      return fail(
        reply,
        400,
        'invalid_request',
        900144,
        "The request body must contain the following parameter: 'grant_type'.",
      );
    }
    if (!sim.directory.isTenant(tenant)) {
      return fail(
        reply,
        400,
        'invalid_request',
        90002,
        `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
      );
    }
    if (form.grant_type !== 'client_credentials') {
      return fail(
        reply,
        400,
        'unsupported_grant_type',
        70003,
        `The app requested an unsupported grant type '${form.grant_type ?? ''}'.`,
      );
    }
    const clientId = form.client_id ?? '';
    const registration = sim.directory.findApp(clientId);
    if (!registration) {
      return fail(
        reply,
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${sim.tenantId}'.`,
      );
    }
    if (request.simEntry) request.simEntry.client = registration.clientId;
    if (form.client_assertion !== undefined) {
      if (form.client_assertion_type !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
        return fail(reply, 400, 'invalid_request', 50027, 'client_assertion_type must be jwt-bearer.');
      }
      const endpoint = `${origin(request, sim)}/${tenant}/oauth2/v2.0/token`;
      const accepted = [
        endpoint,
        sim.urls().tokenEndpoint,
        `https://login.microsoftonline.com/${tenant}/oauth2/v2.0/token`,
      ];
      const r = await verifyClientAssertion(form.client_assertion, registration, accepted, sim.clock.now());
      if (!r.ok) return fail(reply, 401, r.error, r.code, r.description);
    } else if (form.client_secret !== undefined) {
      if (!registration.secrets.includes(form.client_secret)) {
        return fail(
          reply,
          401,
          'invalid_client',
          7000215,
          `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
        );
      }
    } else {
      return fail(
        reply,
        401,
        'invalid_client',
        7000218,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
      );
    }
    const scope = (form.scope ?? '').trim();
    const m = /^(.+)\/\.default$/.exec(scope.split(/\s+/)[0] ?? '');
    if (!m) {
      return fail(
        reply,
        400,
        'invalid_scope',
        1002012,
        `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      );
    }
    const audience = RESOURCES[m[1]!];
    if (!audience) {
      return fail(
        reply,
        400,
        'invalid_resource',
        500011,
        `The resource principal named ${m[1]} was not found in the tenant named ${sim.tenantId}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`,
      );
    }
    const { token, expiresIn } = await sim.tokens.issue(registration, audience);
    return reply.header('Cache-Control', 'no-store').send({
      token_type: 'Bearer',
      expires_in: expiresIn,
      ext_expires_in: expiresIn,
      access_token: token,
    });
  });

  app.get<{ Params: { tenant: string } }>('/:tenant/v2.0/.well-known/openid-configuration', async (request, reply) => {
    const { tenant } = request.params;
    if (!sim.directory.isTenant(tenant) && tenant !== 'common' && tenant !== 'organizations') {
      return fail(reply, 400, 'invalid_tenant', 90002, `Tenant '${tenant}' not found.`);
    }
    const o = origin(request, sim);
    const t = tenant === 'common' || tenant === 'organizations' ? '{tenantid}' : sim.tenantId;
    return {
      token_endpoint: `${o}/${tenant}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${o}/${tenant}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${o}/${t}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${o}/oidc/userinfo`,
      authorization_endpoint: `${o}/${tenant}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${o}/${tenant}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${o}/${tenant}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'tid', 'roles', 'appid'],
      tenant_region_scope: 'EU',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
    };
  });

  app.get<{ Params: { tenant: string } }>('/:tenant/discovery/v2.0/keys', async () => sim.tokens.jwks());

  app.get<{ Querystring: Record<string, string> }>('/common/discovery/instance', async (request) => {
    const host = request.headers.host ?? new URL(sim.baseUrl).host;
    const authz = request.query.authorization_endpoint;
    const tenantEndpoint = authz
      ? authz.replace(/oauth2\/v2\.0\/authorize.*$/, 'v2.0/.well-known/openid-configuration')
      : `${origin(request, sim)}/${sim.tenantId}/v2.0/.well-known/openid-configuration`;
    return {
      tenant_discovery_endpoint: tenantEndpoint,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    };
  });
}
