import { RetryableError } from '@exsync/core';

/** The global Entra cloud; a connection without an authority uses it. */
export const GLOBAL_AUTHORITY = 'https://login.microsoftonline.com';

/**
 * Hosts msal-node knows from its built-in cloud discovery list (global, US Government, China, Germany): it can
 * resolve them with no help. Any other host is "unknown" to msal and needs knownAuthorities or metadata.
 */
const MSAL_KNOWN_HOSTS = new Set([
  'login.microsoftonline.com',
  'login.windows.net',
  'login.microsoft.com',
  'sts.windows.net',
  'login.microsoftonline.us',
  'login.usgovcloudapi.net',
  'login-us.microsoftonline.com',
  'login.chinacloudapi.cn',
  'login.partner.microsoftonline.cn',
  'login.microsoftonline.de',
]);

/** What msal-node needs to get tokens from one authority. */
export interface ResolvedAuthority {
  readonly authority: string;
  readonly knownAuthorities?: readonly string[];
  readonly authorityMetadata?: string;
}

/** The authority cannot be used; the message says what to fix. */
export class AuthoritySetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthoritySetupError';
  }
}

/**
 * Turns the connection's authority root and Entra tenant into msal-node's settings.
 * - A Microsoft cloud host: the plain authority; msal discovers the rest itself.
 * - Another https host (an ADFS, a private cloud): named in knownAuthorities so msal skips instance discovery
 *   and reads the OpenID metadata from the authority itself.
 * - An http URL (the simulator, which runs without TLS): msal refuses http authorities, so the service reads the
 *   OpenID metadata itself and hands msal an https-shaped authority on the same host with that metadata; every
 *   request then goes to the metadata's token endpoint, which is the simulator's own.
 */
export async function resolveAuthority(
  root: string | null | undefined,
  entraTenantId: string,
  fetchImpl: typeof fetch = fetch,
): Promise<ResolvedAuthority> {
  const base = (root ?? GLOBAL_AUTHORITY).replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new AuthoritySetupError(`The Entra authority ${base} is not a URL.`);
  }
  const tenant = encodeURIComponent(entraTenantId);
  if (url.protocol === 'https:') {
    const authority = `${base}/${tenant}`;
    if (MSAL_KNOWN_HOSTS.has(url.hostname)) return { authority };
    return { authority, knownAuthorities: [url.host] };
  }
  if (url.protocol !== 'http:') throw new AuthoritySetupError(`The Entra authority ${base} must be http(s).`);
  const metadataUrl = `${base}/${tenant}/v2.0/.well-known/openid-configuration`;
  let response: Response;
  try {
    response = await fetchImpl(metadataUrl, { headers: { accept: 'application/json' } });
  } catch (error) {
    throw new RetryableError(`Could not read the Entra authority's OpenID metadata at ${metadataUrl}`, {
      cause: error,
    });
  }
  if (response.status >= 500 || response.status === 429) {
    throw new RetryableError(`The Entra authority answered ${response.status} for ${metadataUrl}`);
  }
  const body = (await response.json().catch(() => null)) as { token_endpoint?: unknown } | null;
  if (!response.ok || !body || typeof body.token_endpoint !== 'string') {
    throw new AuthoritySetupError(
      `The Entra authority ${base} serves no OpenID metadata for tenant ${entraTenantId} (HTTP ${response.status} at ${metadataUrl}); check the authority and the tenant id.`,
    );
  }
  return {
    authority: `https://${url.host}/${tenant}`,
    knownAuthorities: [url.host],
    authorityMetadata: JSON.stringify(body),
  };
}

/**
 * The Graph base URL including the version. The documented root (`https://graph.microsoft.com`) gets `/v1.0`
 * appended; a URL that already names a version (`…/v1.0`, `…/beta`) or any other path is used as given.
 */
export function graphBaseUrl(endpoint: string | null | undefined): string {
  const given = (endpoint ?? 'https://graph.microsoft.com').replace(/\/+$/, '');
  const path = new URL(given).pathname.replace(/\/+$/, '');
  return path === '' ? `${given}/v1.0` : given;
}

/**
 * The token scope for a Graph URL: each national cloud has its own Graph resource (https://graph.microsoft.us,
 * https://microsoftgraph.chinacloudapi.cn), so the scope follows the https origin. A plain-http Graph is a
 * simulator, which (like Entra) knows Graph by its global resource id.
 */
export function graphScope(baseUrl: string): string {
  const url = new URL(baseUrl);
  return url.protocol === 'https:' ? `${url.origin}/.default` : 'https://graph.microsoft.com/.default';
}
