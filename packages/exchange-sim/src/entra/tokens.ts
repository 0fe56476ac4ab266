/**
 * Access tokens as Entra mints them for client credentials: RS256 JWTs with Graph or EWS audience, tenant, app id
 * and application roles. The Graph and EWS faces verify them here (signature, audience, tenant, expiry on the
 * virtual clock, roles); clients never look inside.
 */
import { generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import { decodeJwt, exportJWK, type JWK, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import { type AppRegistration, type Audience, EWS_RESOURCE, GRAPH_APP_ID, GRAPH_RESOURCE } from '../directory';
import type { VirtualClock } from '../store/clock';

export interface AccessTokenClaims extends JWTPayload {
  aud: string;
  tid: string;
  appid: string;
  azp: string;
  roles: string[];
  idtyp: 'app';
}

export type TokenCheck =
  | { ok: true; claims: AccessTokenClaims; audience: Audience }
  | {
      ok: false;
      reason: 'missing' | 'malformed' | 'badSignature' | 'expired' | 'wrongAudience' | 'wrongTenant';
      message: string;
    };

const AUDIENCE_VALUES: Record<Audience, string[]> = {
  graph: [GRAPH_RESOURCE, `${GRAPH_RESOURCE}/`, GRAPH_APP_ID],
  ews: [EWS_RESOURCE, `${EWS_RESOURCE}/`, 'https://outlook.office.com', '00000002-0000-0ff1-ce00-000000000000'],
};

let processKeys: { privateKey: KeyObject; publicKey: KeyObject } | undefined;

/** One RSA key pair per process: generating 2048-bit keys per simulator would dominate test time. */
function signingKeys() {
  processKeys ??= generateKeyPairSync('rsa', { modulusLength: 2048 });
  return processKeys;
}

export class TokenService {
  private readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly kid: string;
  /** Lifetime of issued tokens in seconds (3599 like Entra; lower it to test renewal). */
  lifetimeSeconds = 3599;
  /**
   * Payloads of tokens whose signature already verified: a client sends the same token with hundreds of requests
   * (each inner request of a `$batch` too), and an RSA verification costs more than the request. The signature
   * of a given token string verifies the same way every time; time limits are still checked on every use.
   */
  private readonly verified = new Map<string, JWTPayload>();

  constructor(
    private readonly tenantId: string,
    private readonly clock: VirtualClock,
  ) {
    const { privateKey, publicKey } = signingKeys();
    this.privateKey = privateKey;
    this.publicKey = publicKey;
    this.kid = `sim-${tenantId.slice(0, 8)}`;
  }

  get issuer(): string {
    return `https://sts.windows.net/${this.tenantId}/`;
  }

  async issue(app: AppRegistration, audience: Audience): Promise<{ token: string; expiresIn: number }> {
    const now = Math.floor(this.clock.now() / 1000);
    const aud = audience === 'graph' ? GRAPH_RESOURCE : EWS_RESOURCE;
    const token = await new SignJWT({
      tid: this.tenantId,
      appid: app.clientId,
      azp: app.clientId,
      app_displayname: app.displayName,
      idtyp: 'app',
      oid: randomUUID(),
      roles: app.roles[audience],
      ver: '1.0',
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.kid })
      .setIssuer(this.issuer)
      .setAudience(aud)
      .setSubject(app.clientId)
      .setIssuedAt(now)
      .setNotBefore(now - 300)
      .setExpirationTime(now + this.lifetimeSeconds)
      .setJti(randomUUID())
      .sign(this.privateKey);
    return { token, expiresIn: this.lifetimeSeconds };
  }

  /** Verify an `Authorization` header value for a face. Roles are the face's business (it knows what it needs). */
  async verify(authorization: string | undefined, audience: Audience): Promise<TokenCheck> {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!m) return { ok: false, reason: 'missing', message: 'Access token is empty.' };
    const token = m[1]!;
    const now = Math.floor(this.clock.now() / 1000);
    let payload = this.verified.get(token);
    // Within its lifetime, as jwtVerify checks it with no tolerance; otherwise the full check answers why not.
    if (payload && !(typeof payload.exp === 'number' && payload.exp > now && (payload.nbf ?? now) <= now)) {
      payload = undefined;
    }
    if (!payload) {
      try {
        payload = await this.verifySignature(token);
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === 'ERR_JWT_EXPIRED')
          return { ok: false, reason: 'expired', message: 'Lifetime validation failed, the token is expired.' };
        if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') {
          return { ok: false, reason: 'badSignature', message: 'Signature verification failed.' };
        }
        return { ok: false, reason: 'malformed', message: 'IDX14100: JWT is not well formed.' };
      }
      if (this.verified.size >= 10_000) this.verified.clear();
      this.verified.set(token, payload);
    }
    const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (!aud.some((a) => a && AUDIENCE_VALUES[audience].includes(a))) {
      return { ok: false, reason: 'wrongAudience', message: 'Invalid audience.' };
    }
    if (payload.tid !== this.tenantId) return { ok: false, reason: 'wrongTenant', message: 'Invalid tenant.' };
    return { ok: true, claims: payload as AccessTokenClaims, audience };
  }

  private async verifySignature(token: string): Promise<JWTPayload> {
    const { payload } = await jwtVerify(token, this.publicKey, {
      algorithms: ['RS256'],
      currentDate: new Date(this.clock.now()),
      clockTolerance: 0,
    });
    return payload;
  }

  async jwks(): Promise<{ keys: JWK[] }> {
    const jwk = await exportJWK(this.publicKey);
    return { keys: [{ ...jwk, kid: this.kid, use: 'sig', alg: 'RS256' }] };
  }
}

/** App ids of tokens seen (every request is classified by its app, and decoding a JWT costs). */
const appIds = new Map<string, string | undefined>();

/** App id of a bearer token without verifying it (for logging and throttling keys only). */
export function peekAppId(authorization: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!m) return undefined;
  const token = m[1]!;
  if (appIds.has(token)) return appIds.get(token);
  let app: string | undefined;
  try {
    const p = decodeJwt(token);
    app = typeof p.appid === 'string' ? p.appid : typeof p.azp === 'string' ? p.azp : undefined;
  } catch {
    app = undefined;
  }
  if (appIds.size >= 10_000) appIds.clear();
  appIds.set(token, app);
  return app;
}
