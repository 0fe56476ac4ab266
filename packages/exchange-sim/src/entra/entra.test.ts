import { createHash, generateKeyPairSync } from 'node:crypto';
import { ConfidentialClientApplication, type Configuration } from '@azure/msal-node';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, seedDemoTenant } from '../demo-seed';
import { createSimulator, type SimulatorHandle } from '../index';

let handle: SimulatorHandle;
let urls: Awaited<ReturnType<SimulatorHandle['listen']>>;
const GRAPH = ['https://graph.microsoft.com/.default'];

// Recipe A of the reference (§4.3): a fake https authority that is never contacted, token endpoint on the simulator.
function msal(auth: Partial<Configuration['auth']>) {
  const t = handle.sim.tenantId;
  return new ConfidentialClientApplication({
    auth: {
      clientId: DEMO.clientId,
      authority: `https://login.sim.invalid/${t}`,
      knownAuthorities: ['login.sim.invalid'],
      authorityMetadata: handle.sim.msalAuthorityMetadata(),
      ...auth,
    },
  });
}

const tokenCalls = () =>
  handle.sim.requests({ face: 'entra' }).filter((r) => r.url.includes('/oauth2/v2.0/token')).length;

beforeAll(async () => {
  handle = createSimulator();
  seedDemoTenant(handle.sim);
  urls = await handle.listen(0);
});
afterAll(() => handle.close());

describe('Entra token endpoint with unmodified msal-node', () => {
  it('issues a Graph token for a client secret, with audience, tenant and roles; msal caches it', async () => {
    const before = tokenCalls();
    const cca = msal({ clientSecret: DEMO.clientSecret });
    const r = await cca.acquireTokenByClientCredential({ scopes: GRAPH });
    const claims = decodeJwt(r!.accessToken);
    expect(claims).toMatchObject({
      aud: 'https://graph.microsoft.com',
      tid: handle.sim.tenantId,
      appid: DEMO.clientId,
      idtyp: 'app',
    });
    expect(claims.roles).toContain('Calendars.ReadWrite');
    await cca.acquireTokenByClientCredential({ scopes: GRAPH });
    expect(tokenCalls() - before).toBe(1);
    // msal only ever posted the token request: no discovery traffic.
    expect(handle.sim.requests({ face: 'entra' }).every((e) => e.method === 'POST')).toBe(true);
  });

  it('issues an EWS token (full_access_as_app) for the outlook.office365.com resource', async () => {
    const r = await msal({ clientSecret: DEMO.clientSecret }).acquireTokenByClientCredential({
      scopes: ['https://outlook.office365.com/.default'],
    });
    expect(decodeJwt(r!.accessToken)).toMatchObject({
      aud: 'https://outlook.office365.com',
      roles: ['full_access_as_app'],
    });
    expect((await handle.sim.tokens.verify(`Bearer ${r!.accessToken}`, 'ews')).ok).toBe(true);
    expect((await handle.sim.tokens.verify(`Bearer ${r!.accessToken}`, 'graph')).ok).toBe(false);
  });

  it('a short token lifetime (<= 300 s) defeats the msal cache, as the reference warns', async () => {
    handle.sim.tokens.lifetimeSeconds = 120;
    try {
      const before = tokenCalls();
      const cca = msal({ clientSecret: DEMO.clientSecret });
      await cca.acquireTokenByClientCredential({ scopes: GRAPH });
      await cca.acquireTokenByClientCredential({ scopes: GRAPH });
      expect(tokenCalls() - before).toBe(2);
    } finally {
      handle.sim.tokens.lifetimeSeconds = 3599;
    }
  });

  it('refuses a wrong secret with invalid_client / AADSTS7000215', async () => {
    const err = await msal({ clientSecret: 'nope' })
      .acquireTokenByClientCredential({ scopes: GRAPH })
      .catch((e) => e);
    expect(err.errorCode).toBe('invalid_client');
    expect(err.errorMessage).toContain('AADSTS7000215');
  });

  it('refuses an unknown resource with invalid_resource / AADSTS500011 and an unknown client with AADSTS700016', async () => {
    const res = await msal({ clientSecret: DEMO.clientSecret })
      .acquireTokenByClientCredential({ scopes: ['https://unknown.example/.default'] })
      .catch((e) => e);
    expect(res.errorCode).toBe('invalid_resource');
    expect(res.errorMessage).toContain('AADSTS500011');
    const unknown = await msal({ clientId: '99999999-0000-4000-8000-000000000000', clientSecret: 'x' })
      .acquireTokenByClientCredential({ scopes: GRAPH })
      .catch((e) => e);
    expect(unknown.errorCode).toBe('unauthorized_client');
  });

  it('accepts a certificate client assertion and refuses one signed by an unregistered key', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const thumb = createHash('sha256')
      .update(publicKey.export({ type: 'spki', format: 'der' }))
      .digest('hex');
    const certApp = handle.sim.directory.addApp({
      clientId: 'c0c0c0c0-0000-4000-8000-0000000ce271',
      certificates: [{ publicKey, thumbprintSha256: thumb }],
    });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const ok = await msal({
      clientId: certApp.clientId,
      clientCertificate: { thumbprintSha256: thumb, privateKey: pem },
    }).acquireTokenByClientCredential({ scopes: GRAPH });
    expect(decodeJwt(ok!.accessToken).appid).toBe(certApp.clientId);

    const other = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const bad = await msal({
      clientId: certApp.clientId,
      clientCertificate: { thumbprintSha256: thumb, privateKey: other },
    })
      .acquireTokenByClientCredential({ scopes: GRAPH })
      .catch((e) => e);
    expect(bad.errorCode).toBe('invalid_client');
    expect(bad.errorMessage).toContain('AADSTS700027');
  });

  it('answers an unknown tenant with AADSTS90002 and a missing .default with AADSTS1002012', async () => {
    const post = (tenant: string, scope: string) =>
      fetch(`${urls.base}/${tenant}/oauth2/v2.0/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: DEMO.clientId,
          client_secret: DEMO.clientSecret,
          scope,
        }),
      });
    const r1 = await post('not-a-tenant', GRAPH[0]!);
    expect(r1.status).toBe(400);
    expect(await r1.json()).toMatchObject({ error: 'invalid_request', error_codes: [90002] });
    const r2 = await post('contoso.onmicrosoft.com', 'https://graph.microsoft.com/Calendars.Read');
    expect(await r2.json()).toMatchObject({ error: 'invalid_scope', error_codes: [1002012] });
  });

  it('serves OpenID configuration, JWKS and instance discovery', async () => {
    const t = handle.sim.tenantId;
    const cfg = (await (await fetch(urls.openIdConfiguration)).json()) as Record<string, string>;
    expect(cfg.token_endpoint).toBe(urls.tokenEndpoint);
    expect(cfg.issuer).toBe(`${urls.base}/${t}/v2.0`);
    const jwks = (await (await fetch(`${urls.base}/${t}/discovery/v2.0/keys`)).json()) as { keys: { kid: string }[] };
    expect(jwks.keys[0]?.kid).toBeTruthy();
    const disco = (await (
      await fetch(
        `${urls.base}/common/discovery/instance?api-version=1.1&authorization_endpoint=${urls.base}/${t}/oauth2/v2.0/authorize`,
      )
    ).json()) as Record<string, unknown>;
    expect(disco).toMatchObject({ 'api-version': '1.1', tenant_discovery_endpoint: urls.openIdConfiguration });
  });

  it('a token-endpoint 429 fault reaches msal as a throttling error with Retry-After', async () => {
    handle.sim.injectFault(
      { face: 'entra', path: '/oauth2/v2.0/token' },
      { kind: 'status', status: 429, retryAfterSeconds: 1 },
    );
    const err = await msal({ clientSecret: DEMO.clientSecret })
      .acquireTokenByClientCredential({ scopes: GRAPH })
      .catch((e) => e);
    expect(err.errorCode).toBe('temporarily_unavailable');
  });
});
