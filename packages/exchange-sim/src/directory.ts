/**
 * Who may talk to the simulator: the tenant, its Entra app registrations (secrets, certificates, granted roles,
 * optional mailbox scope) and the on-prem service accounts for EWS Basic/NTLM (with impersonation rights).
 */
import type { KeyObject } from 'node:crypto';

export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
export const EWS_RESOURCE = 'https://outlook.office365.com';
export type Audience = 'graph' | 'ews';

export interface AppCertificate {
  /** Public key (or certificate) that verifies the app's client assertions. */
  publicKey: KeyObject;
  /** SHA-1 thumbprint of the DER certificate, hex; matched against the assertion's x5t when present. */
  thumbprintSha1?: string;
  thumbprintSha256?: string;
}

export interface AppRegistration {
  clientId: string;
  displayName: string;
  secrets: string[];
  certificates: AppCertificate[];
  /** Application roles consented per resource. */
  roles: Record<Audience, string[]>;
  /** RBAC for Applications / Application Access Policy: if set, only these mailboxes (SMTP/UPN/id). */
  allowedMailboxes?: string[];
}

export interface ServiceAccount {
  /** Login as typed: `svc-sync`, `CONTOSO\\svc-sync` or `svc-sync@contoso.com`; compared case-insensitively. */
  username: string;
  password: string;
  domain: string;
  /** ApplicationImpersonation: true for every mailbox, or the mailboxes it may impersonate. */
  impersonation: boolean | string[];
  /** The account's own mailbox, if any (used without impersonation). */
  mailbox?: string;
}

export class Directory {
  readonly apps = new Map<string, AppRegistration>();
  readonly serviceAccounts: ServiceAccount[] = [];
  /** Extra names accepted in place of the tenant id (e.g. `contoso.onmicrosoft.com`). */
  readonly tenantAliases = new Set<string>();

  constructor(readonly tenantId: string) {}

  isTenant(name: string): boolean {
    const lower = name.toLowerCase();
    return lower === this.tenantId.toLowerCase() || this.tenantAliases.has(lower);
  }

  addApp(app: Partial<AppRegistration> & { clientId: string }): AppRegistration {
    const full: AppRegistration = {
      displayName: app.displayName ?? 'exsync',
      secrets: app.secrets ?? [],
      certificates: app.certificates ?? [],
      roles: app.roles ?? {
        graph: ['Calendars.ReadWrite', 'Contacts.ReadWrite', 'Tasks.ReadWrite.All', 'User.Read.All'],
        ews: ['full_access_as_app'],
      },
      ...app,
    };
    this.apps.set(full.clientId.toLowerCase(), full);
    return full;
  }

  findApp(clientId: string): AppRegistration | undefined {
    return this.apps.get(clientId.toLowerCase());
  }

  addServiceAccount(acc: Partial<ServiceAccount> & { username: string; password: string }): ServiceAccount {
    const full: ServiceAccount = { domain: 'CONTOSO', impersonation: true, ...acc };
    this.serviceAccounts.push(full);
    return full;
  }

  /**
   * A mailbox owner's own login (no impersonation rights): `user@domain`, `DOMAIN\\user` or `user` all sign in
   * with `password`, and requests without ExchangeImpersonation act on `smtpAddress`'s mailbox.
   */
  addMailboxUser(input: { smtpAddress: string; password: string; domain?: string }): ServiceAccount {
    const local = input.smtpAddress.split('@')[0] ?? '';
    if (!local || !input.password) throw new TypeError('smtpAddress and password are required');
    if (this.findServiceAccount(input.smtpAddress)) {
      throw new TypeError(`a login for ${input.smtpAddress} already exists`);
    }
    return this.addServiceAccount({
      username: local,
      password: input.password,
      domain: input.domain ?? 'CONTOSO',
      impersonation: false,
      mailbox: input.smtpAddress,
    });
  }

  /** Finds a service account by any of the spellings clients send (`user`, `DOMAIN\\user`, `user@domain`). */
  findServiceAccount(login: string, domain?: string): ServiceAccount | undefined {
    let user = login.toLowerCase();
    let dom = domain?.toLowerCase();
    if (user.includes('\\')) [dom, user] = user.split('\\', 2) as [string, string];
    return this.serviceAccounts.find((a) => {
      const name = a.username.toLowerCase();
      if (name === user) return !dom || dom === a.domain.toLowerCase() || dom === '';
      return user.includes('@') && name === user.split('@')[0] && !name.includes('@');
    });
  }

  mayImpersonate(
    acc: ServiceAccount,
    mailbox: { smtpAddress: string; userPrincipalName: string; id: string },
  ): boolean {
    if (acc.impersonation === true) return true;
    if (acc.impersonation === false) return false;
    return matchesMailbox(acc.impersonation, mailbox);
  }

  /** RAOP check: an app with an allow-list may reach only those mailboxes. */
  appMayAccess(app: AppRegistration, mailbox: { smtpAddress: string; userPrincipalName: string; id: string }): boolean {
    return !app.allowedMailboxes || matchesMailbox(app.allowedMailboxes, mailbox);
  }
}

function matchesMailbox(list: string[], m: { smtpAddress: string; userPrincipalName: string; id: string }): boolean {
  const names = lowerCased(list);
  return (
    names.has(m.smtpAddress.toLowerCase()) ||
    names.has(m.userPrincipalName.toLowerCase()) ||
    names.has(m.id.toLowerCase())
  );
}

/**
 * A rights list's names in lower case, kept per list: the check runs on every request, and lower-casing a list of
 * 10,000 mailboxes each time made a many-user benchmark's simulator cost grow with the square of its users. Built
 * again for a list edited in place when its length changed (a name pushed on after the account was added).
 */
const lowerCasedLists = new WeakMap<string[], { length: number; names: Set<string> }>();

function lowerCased(list: string[]): Set<string> {
  const kept = lowerCasedLists.get(list);
  if (kept && kept.length === list.length) return kept.names;
  const names = new Set(list.map((x) => x.toLowerCase()));
  lowerCasedLists.set(list, { length: list.length, names });
  return names;
}
