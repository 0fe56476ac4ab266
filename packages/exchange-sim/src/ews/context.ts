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
  /** True when ExchangeImpersonation named the mailbox: the request then acts as that user only. */
  readonly impersonated: boolean;
  readonly request: SoapRequest;
  /** IANA zone of t:TimeZoneContext, used for times sent without an offset. */
  readonly contextZone: string | undefined;
  /** Key for the SyncState HMAC. */
  readonly syncSecret: string;
  /** Set when an injected in-band ErrorServerBusy must replace the first response message. */
  inBandBusyMs: number | undefined;
}

/**
 * May this request reach another mailbox's folders and items? Under impersonation it acts as the impersonated
 * user, who has no rights elsewhere; without it, an account with ApplicationImpersonation rights over the other
 * mailbox is treated as holding FullAccess (delegate access through t:Mailbox).
 */
export function mayReach(ctx: EwsContext, m: { smtpAddress: string; userPrincipalName: string; id: string }): boolean {
  if (m.id === ctx.mailbox.id) return true;
  if (ctx.impersonated || ctx.principal.kind === 'app') return false;
  return ctx.sim.directory.mayImpersonate(ctx.principal.account, m);
}

export function principalName(p: EwsPrincipal): string {
  return p.kind === 'app' ? p.appId : `${p.account.domain}\\${p.account.username}`;
}
