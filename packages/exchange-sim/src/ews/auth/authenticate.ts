import type { Socket } from 'node:net';
import type { Simulator } from '../../simulator';
import type { EwsPrincipal } from '../context';
import { createType2, decodeNtlmHeader, NtlmError, parseType3, verifyNtlmV2 } from './ntlm';

/** What to answer when a request is not (yet) authenticated. */
export type AuthOutcome =
  | { readonly ok: true; readonly principal: EwsPrincipal }
  | {
      readonly ok: false;
      readonly status: 401;
      readonly headers: Record<string, string | string[]>;
      readonly reason: string;
    };

/** Outstanding NTLM challenges, bound to the TCP connection that received them (NTLM is connection-based). */
const challenges = new WeakMap<Socket, { challenge: Buffer; at: number }>();

const EWS_ROLE = 'full_access_as_app';

export async function authenticate(
  sim: Simulator,
  authorization: string | undefined,
  socket: Socket,
  challengeHeaders: () => Record<string, string | string[]>,
): Promise<AuthOutcome> {
  const deny = (reason: string, headers = challengeHeaders()): AuthOutcome => ({
    ok: false,
    status: 401,
    headers,
    reason,
  });
  if (!authorization) return deny('no Authorization header');
  const scheme = authorization.split(' ', 1)[0]?.toLowerCase();
  if (scheme === 'basic') {
    const raw = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const i = raw.indexOf(':');
    if (i < 0) return deny('malformed Basic credentials');
    const account = sim.directory.findServiceAccount(raw.slice(0, i));
    if (!account || account.password !== raw.slice(i + 1)) return deny('Basic credentials rejected');
    return { ok: true, principal: { kind: 'account', account, scheme: 'Basic' } };
  }
  // SPNEGO clients may wrap raw NTLM in "Negotiate"; the answer then uses the same scheme name.
  const wrapped = scheme === 'negotiate' && authorization.slice(9).trim().startsWith('TlRMTVNT');
  if (scheme === 'ntlm' || wrapped) {
    let msg: { type: number; buf: Buffer };
    try {
      msg = decodeNtlmHeader(authorization);
    } catch (e) {
      return deny((e as Error).message);
    }
    if (msg.type === 1) {
      const t2 = createType2('CONTOSO', 'EXCH01');
      challenges.set(socket, { challenge: t2.challenge, at: Date.now() });
      const header = wrapped ? t2.header.replace(/^NTLM /, 'Negotiate ') : t2.header;
      return { ok: false, status: 401, headers: { 'www-authenticate': header }, reason: 'NTLM challenge sent' };
    }
    if (msg.type !== 3) return deny('unexpected NTLM message type');
    const pending = challenges.get(socket);
    challenges.delete(socket);
    if (!pending) return deny('NTLM type 3 without a challenge on this connection');
    try {
      const t3 = parseType3(msg.buf);
      const account = sim.directory.findServiceAccount(t3.user, t3.domain);
      if (!account || !verifyNtlmV2(t3, pending.challenge, account.password)) return deny('NTLM credentials rejected');
      return { ok: true, principal: { kind: 'account', account, scheme: 'NTLM' } };
    } catch (e) {
      if (e instanceof NtlmError) return deny(e.message);
      throw e;
    }
  }
  if (scheme === 'bearer') {
    const check = await sim.tokens.verify(authorization, 'ews');
    const diag = (reason: string) => ({
      ...challengeHeaders(),
      'www-authenticate': `Bearer client_id="00000002-0000-0ff1-ce00-000000000000", trusted_issuers="00000001-0000-0000-c000-000000000000@*", token_types="app_asserted_user_v1 service_asserted_app_v1", error="invalid_token"`,
      'x-ms-diagnostics': `2000001;reason="${reason}";error_category="invalid_token"`,
    });
    if (!check.ok) return { ok: false, status: 401, headers: diag(check.message), reason: check.message };
    const roles = check.claims.roles ?? [];
    if (!roles.includes(EWS_ROLE)) {
      return {
        ok: false,
        status: 401,
        headers: {
          ...challengeHeaders(),
          'x-ms-diagnostics':
            '2000008;reason="The token contains no permissions, or permissions can not be understood.";error_category="invalid_grant"',
        },
        reason: 'token lacks full_access_as_app',
      };
    }
    return { ok: true, principal: { kind: 'app', appId: check.claims.appid, roles } };
  }
  return deny(`unsupported scheme ${scheme ?? ''}`);
}
