import type { Simulator } from '../simulator';
import type { Mailbox } from '../store/types';
import type { EwsPrincipal } from './context';
import { EwsFault } from './errors';
import { T } from './xml/namespaces';
import { child, type XNode } from './xml/parse';

export interface ImpersonationResult {
  readonly mailbox: Mailbox;
  readonly impersonated: boolean;
}

/**
 * Resolves the mailbox a request acts on. ExchangeImpersonation/ConnectingSID names it by SmtpAddress,
 * PrimarySmtpAddress or PrincipalName (SID is matched against the mailbox object id); app-only tokens must carry
 * the header, accounts without it act on their own mailbox.
 */
export function resolveMailbox(
  sim: Simulator,
  principal: EwsPrincipal,
  header: XNode | undefined,
): ImpersonationResult {
  const sid = child(child(header, T, 'ExchangeImpersonation'), T, 'ConnectingSID');
  if (!sid) {
    if (principal.kind === 'app') throw new EwsFault('ErrorInvalidExchangeImpersonationHeaderData');
    const own = principal.account.mailbox ? sim.store.findMailbox(principal.account.mailbox) : undefined;
    if (!own) throw new EwsFault('ErrorNonExistentMailbox', 'The account has no mailbox; use ExchangeImpersonation.');
    return { mailbox: own, impersonated: false };
  }
  const idNode = sid.children[0];
  const value = idNode?.text.trim() ?? '';
  if (!idNode || !value) throw new EwsFault('ErrorInvalidExchangeImpersonationHeaderData', 'ConnectingSID is empty.');
  let mailbox: Mailbox | undefined;
  const lower = value.toLowerCase();
  switch (idNode.name) {
    case 'SmtpAddress':
    case 'PrimarySmtpAddress':
      mailbox = sim.store.findMailboxBy('smtpAddress', lower);
      break;
    case 'PrincipalName':
      mailbox = sim.store.findMailboxBy('userPrincipalName', lower);
      break;
    case 'SID':
      mailbox = sim.store.findMailboxBy('id', lower);
      break;
    default:
      throw new EwsFault(
        'ErrorInvalidExchangeImpersonationHeaderData',
        `ConnectingSID/${idNode.name} is not supported.`,
      );
  }
  if (!mailbox) throw new EwsFault('ErrorNonExistentMailbox', `The SMTP address has no mailbox associated with it.`);
  if (principal.kind === 'account') {
    if (!sim.directory.mayImpersonate(principal.account, mailbox)) throw new EwsFault('ErrorImpersonateUserDenied');
  } else {
    const app = sim.directory.findApp(principal.appId);
    if (!app || !sim.directory.appMayAccess(app, mailbox)) throw new EwsFault('ErrorImpersonateUserDenied');
  }
  return { mailbox, impersonated: true };
}
