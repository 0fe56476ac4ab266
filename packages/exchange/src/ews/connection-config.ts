import type { CollectionKind } from '@exsync/core';

/** How the service account proves itself to Exchange. Secrets live only here and are never logged. */
export type EwsAuth =
  | { readonly kind: 'basic'; readonly username: string; readonly password: string }
  /** `DOMAIN\user`: @ewsjs/xhr only does NTLMv2 with that form (exchange.md §2.4). */
  | { readonly kind: 'ntlm'; readonly username: string; readonly password: string }
  | {
      readonly kind: 'oauth';
      readonly clientId: string;
      readonly clientSecret: string;
      /** `https://login.microsoftonline.com/<tenant>`. msal-node insists on https here (exchange.md §4.3). */
      readonly authority: string;
      /** Default `https://outlook.office365.com/.default`. */
      readonly scope?: string;
      /** msal-node `authorityMetadata` JSON: skips discovery (used with the simulator or an on-prem ADFS). */
      readonly authorityMetadata?: string;
      readonly knownAuthorities?: readonly string[];
    };

/** A distinguished folder, or a folder id with the kind of item it holds. */
export type EwsFolder = 'calendar' | 'contacts' | 'tasks' | { readonly id: string; readonly kind: CollectionKind };

export interface EwsConnectionConfig {
  /** `https://mail.example.org/EWS/Exchange.asmx`. */
  readonly url: string;
  readonly auth: EwsAuth;
  /** SMTP address of the impersonated mailbox. */
  readonly mailbox: string;
  readonly folder: EwsFolder;
  /** Every EWS call is abandoned after this long (default 30 s): some failures never settle (exchange.md §2.3). */
  readonly timeoutMs?: number;
  /**
   * Told of every HTTP exchange (its status; undefined when no answer came): the service counts requests per
   * backend for its metrics. Must not throw.
   */
  readonly onResponse?: (status: number | undefined) => void;
}

export function collectionKindOf(folder: EwsFolder): CollectionKind {
  if (folder === 'calendar') return 'calendar';
  if (folder === 'contacts') return 'addressbook';
  if (folder === 'tasks') return 'tasks';
  return folder.kind;
}

/** Checks the shape of a config so a typo fails at construction with a clear message, not on the first call. */
export function validateConfig(config: EwsConnectionConfig): void {
  let url: URL;
  try {
    url = new URL(config.url);
  } catch {
    throw new TypeError('EWS url is not a valid URL; expected e.g. https://mail.example.org/EWS/Exchange.asmx');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError('EWS url must be http(s)');
  if (!/^[^@\s]+@[^@\s]+$/.test(config.mailbox)) throw new TypeError('mailbox must be an SMTP address');
  const auth = config.auth;
  if (auth.kind === 'basic' || auth.kind === 'ntlm') {
    if (!auth.username || !auth.password) throw new TypeError(`${auth.kind} auth needs a username and a password`);
    if (auth.kind === 'ntlm' && !auth.username.includes('\\'))
      throw new TypeError('NTLM username must be DOMAIN\\user (NTLMv2 needs the domain)');
  } else if (auth.kind === 'oauth') {
    if (!auth.clientId || !auth.clientSecret) throw new TypeError('oauth auth needs clientId and clientSecret');
    if (!auth.authority.startsWith('https://')) throw new TypeError('oauth authority must be an https URL');
  } else {
    throw new TypeError('auth.kind must be basic, ntlm or oauth');
  }
}
