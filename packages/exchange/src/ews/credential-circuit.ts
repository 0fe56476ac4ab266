import { createHash } from 'node:crypto';
import type { AuthError } from '@exsync/core';
import type { EwsConnectionConfig } from './connection-config';

/**
 * Credentials Exchange refused, shared by every store of the process: one service account serves many mailboxes,
 * and after its first 401 no store may send another request with it (lockout policies count every attempt).
 * Keyed by a hash of endpoint and credential, so renewed credentials start clean and no secret is kept in clear.
 */
const refused = new Map<string, AuthError>();

export function credentialKey(config: EwsConnectionConfig): string {
  const a = config.auth;
  const material =
    a.kind === 'oauth'
      ? [a.kind, a.authority, a.clientId, a.clientSecret, a.scope ?? '']
      : [a.kind, config.url, a.username, a.password];
  return createHash('sha256').update(material.join('\u0000')).digest('hex');
}

export function refusedCredential(key: string): AuthError | undefined {
  return refused.get(key);
}

export function refuseCredential(key: string, error: AuthError): void {
  refused.set(key, error);
}
