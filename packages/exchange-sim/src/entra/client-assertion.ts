/**
 * Verification of a certificate client assertion (RFC 7523 as Entra applies it): signed by one of the app's
 * registered certificates, iss = sub = client id, aud = the token endpoint, and within its lifetime.
 */
import { decodeProtectedHeader, jwtVerify } from 'jose';
import type { AppRegistration } from '../directory';

export type AssertionResult = { ok: true } | { ok: false; code: number; error: string; description: string };

const b64urlToHex = (s: string) => Buffer.from(s, 'base64url').toString('hex');

export async function verifyClientAssertion(
  assertion: string,
  app: AppRegistration,
  acceptedAudiences: string[],
  nowMs: number,
): Promise<AssertionResult> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(assertion);
  } catch {
    return { ok: false, code: 50027, error: 'invalid_request', description: 'JWT token is invalid or malformed.' };
  }
  const x5t = typeof header.x5t === 'string' ? b64urlToHex(header.x5t) : undefined;
  const x5t256 = typeof header['x5t#S256'] === 'string' ? b64urlToHex(header['x5t#S256'] as string) : undefined;
  const candidates = app.certificates.filter(
    (c) =>
      (!x5t && !x5t256) ||
      (x5t && c.thumbprintSha1?.toLowerCase() === x5t) ||
      (x5t256 && c.thumbprintSha256?.toLowerCase() === x5t256),
  );
  if (candidates.length === 0) {
    return {
      ok: false,
      code: 700027,
      error: 'invalid_client',
      description: `Client assertion failed signature validation. The key was not found. Thumbprint of key used by client: '${(x5t ?? x5t256 ?? '').toUpperCase()}'.`,
    };
  }
  for (const cert of candidates) {
    try {
      const { payload } = await jwtVerify(assertion, cert.publicKey, {
        currentDate: new Date(nowMs),
        clockTolerance: 300,
      });
      if (payload.iss !== app.clientId || payload.sub !== app.clientId) {
        return {
          ok: false,
          code: 700023,
          error: 'invalid_client',
          description: 'Client assertion iss and sub must both be the client id.',
        };
      }
      const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
      if (!aud.some((a) => a && acceptedAudiences.includes(a))) {
        return {
          ok: false,
          code: 700016,
          error: 'invalid_client',
          description: `Client assertion audience claim does not match Realm issuer. Expected one of ${acceptedAudiences.join(', ')}.`,
        };
      }
      return { ok: true };
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'ERR_JWT_EXPIRED' || code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') {
        return {
          ok: false,
          code: 700024,
          error: 'invalid_client',
          description: 'Client assertion is not within its valid time range.',
        };
      }
    }
  }
  return {
    ok: false,
    code: 700027,
    error: 'invalid_client',
    description: 'Client assertion failed signature validation.',
  };
}
