import type { ServiceAccount } from '../directory';
import type { Simulator } from '../simulator';
import type { MailboxStore } from '../store/mailbox-store';
import type { Mailbox } from '../store/types';
import type { SoapRequest } from './request';

/** The identity a request was authenticated as. */
export type EwsPrincipal =
  | { readonly kind: 'account'; readonly account: ServiceAccount; readonly scheme: 'Basic' | 'NTLM' }
  | { readonly kind: 'app'; readonly appId: string; readonly roles: readonly string[] };

export interface EwsContext {
  readonly sim: Simulator;
  readonly store: MailboxStore;
  readonly principal: EwsPrincipal;
  /** The mailbox the request acts on: the impersonated one, or the account's own. */
  readonly mailbox: Mailbox;
  readonly request: SoapRequest;
  /** IANA zone of t:TimeZoneContext, used for times sent without an offset. */
  readonly contextZone: string | undefined;
  /** Key for the SyncState HMAC. */
  readonly syncSecret: string;
  /** Set when an injected in-band ErrorServerBusy must replace the first response message. */
  inBandBusyMs: number | undefined;
}

export function principalName(p: EwsPrincipal): string {
  return p.kind === 'app' ? p.appId : `${p.account.domain}\\${p.account.username}`;
}
