import { RetryableError } from '@exsync/core';
import { MsalTokenProvider } from '@exsync/exchange';
import { createSimulator, type SimulatorHandle } from '@exsync/exchange-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthoritySetupError, graphBaseUrl, graphScope, resolveAuthority } from './entra-authority';

const TENANT = '11111111-2222-3333-4444-555555555555';

describe('resolveAuthority: where Entra token requests go', () => {
  it('no authority is the global cloud, which msal resolves itself', async () => {
    expect(await resolveAuthority(null, TENANT)).toEqual({ authority: `https://login.microsoftonline.com/${TENANT}` });
  });

  it('US Government and China are Microsoft clouds msal knows: the plain authority, no metadata', async () => {
    expect(await resolveAuthority('https://login.microsoftonline.us/', TENANT)).toEqual({
      authority: `https://login.microsoftonline.us/${TENANT}`,
    });
    expect(await resolveAuthority('https://login.chinacloudapi.cn', TENANT)).toEqual({
      authority: `https://login.chinacloudapi.cn/${TENANT}`,
    });
  });

  it('another https host is named in knownAuthorities, so msal skips instance discovery', async () => {
    expect(await resolveAuthority('https://adfs.example.org/adfs', TENANT)).toEqual({
      authority: `https://adfs.example.org/adfs/${TENANT}`,
      knownAuthorities: ['adfs.example.org'],
    });
  });

  it('an http authority without OpenID metadata is a setup error naming the URL', async () => {
    const notFound = (async () => new Response('nope', { status: 404 })) as typeof fetch;
    await expect(resolveAuthority('http://127.0.0.1:9', TENANT, notFound)).rejects.toThrow(AuthoritySetupError);
    await expect(resolveAuthority('http://127.0.0.1:9', TENANT, notFound)).rejects.toThrow(/openid-configuration/);
  });

  it('an unreachable http authority is retryable, not a setup error', async () => {
    const down = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    await expect(resolveAuthority('http://127.0.0.1:9', TENANT, down)).rejects.toThrow(RetryableError);
  });

  it('a non-URL authority is a setup error', async () => {
    await expect(resolveAuthority('login.microsoftonline.us', TENANT)).rejects.toThrow(AuthoritySetupError);
  });
});

describe('resolveAuthority against the simulator (http, its own OpenID metadata)', () => {
  let exchange: SimulatorHandle;
  let base: string;
  const clientId = 'b0b1c2d3-0000-4000-8000-00000000a0a1';
  beforeAll(async () => {
    exchange = createSimulator({ seed: 'entra-authority' });
    exchange.sim.directory.addApp({ clientId, secrets: ['s3cret'] });
    base = (await exchange.listen(0)).base;
  });
  afterAll(async () => exchange?.close());

  it('msal-node gets a token from the simulator through the resolved settings', async () => {
    const resolved = await resolveAuthority(`${base}/`, exchange.sim.tenantId);
    expect(resolved.authority.startsWith('https://')).toBe(true);
    const provider = new MsalTokenProvider({
      tenantId: exchange.sim.tenantId,
      clientId,
      credential: { kind: 'secret', clientSecret: 's3cret' },
      authority: resolved.authority,
      ...(resolved.knownAuthorities ? { knownAuthorities: resolved.knownAuthorities } : {}),
      ...(resolved.authorityMetadata ? { authorityMetadata: resolved.authorityMetadata } : {}),
    });
    const token = await provider.getToken();
    expect(token.split('.')).toHaveLength(3);
    // Issued by the simulator (its tenant, Graph audience): nothing else could have answered.
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    expect(claims).toMatchObject({ tid: exchange.sim.tenantId, aud: 'https://graph.microsoft.com' });
  });

  it('an unknown tenant at the simulator is a setup error, not a retry', async () => {
    await expect(resolveAuthority(base, 'not-a-tenant')).rejects.toThrow(AuthoritySetupError);
  });
});

describe('graphBaseUrl: the documented root and a versioned URL both work', () => {
  it.each([
    [null, 'https://graph.microsoft.com/v1.0'],
    ['https://graph.microsoft.com', 'https://graph.microsoft.com/v1.0'],
    ['https://graph.microsoft.com/', 'https://graph.microsoft.com/v1.0'],
    ['https://graph.microsoft.com/v1.0', 'https://graph.microsoft.com/v1.0'],
    ['https://graph.microsoft.com/v1.0/', 'https://graph.microsoft.com/v1.0'],
    ['https://graph.microsoft.us', 'https://graph.microsoft.us/v1.0'],
    ['http://127.0.0.1:5080', 'http://127.0.0.1:5080/v1.0'],
    ['https://graph.microsoft.com/beta', 'https://graph.microsoft.com/beta'],
  ])('%s → %s', (given, expected) => {
    expect(graphBaseUrl(given)).toBe(expected);
  });

  it('the token scope follows a national cloud’s Graph host; a plain-http simulator uses the global resource', () => {
    expect(graphScope('https://graph.microsoft.us/v1.0')).toBe('https://graph.microsoft.us/.default');
    expect(graphScope('https://graph.microsoft.com/v1.0')).toBe('https://graph.microsoft.com/.default');
    expect(graphScope('http://127.0.0.1:5080/v1.0')).toBe('https://graph.microsoft.com/.default');
  });
});
