import type { Repositories } from '@exsync/db';
import { ITEM_KINDS, type ItemKindName, withDefaults } from '../settings';
import type { Vault } from '../vault/vault';
import { defaultExchangeStores, ExchangeSetupError, type ExchangeStoreFactory } from './exchange-stores';
import { KINDS } from './kinds';
import { describeError, type StateCode, verdictOf } from './outcome';
import { openConnection, UserSetupError } from './sync-user';

/**
 * Why a probe failed: the codes a sync would record for the same failure (README "How users are synced"), plus
 * a connection that cannot even be used (a missing field, an unknown authority), which a sync reports in words only.
 */
export type ProbeCode =
  | Extract<
      StateCode,
      | 'exchange_credentials_refused'
      | 'exchange_mailbox_not_found'
      | 'exchange_mailbox_access_denied'
      | 'throttled'
      | 'sync_failed'
      | 'internal_error'
    >
  | 'exchange_connection_invalid';

export interface ProbeResult {
  readonly ok: boolean;
  readonly mailbox: string;
  /** null when every folder opened. */
  readonly stateCode: ProbeCode | null;
  /** What happened, and on failure what to fix, in an admin's words. */
  readonly message: string;
  /** The enabled item kinds' folders, in the order tried; the probe stops at the first that fails. */
  readonly folders: { kind: ItemKindName; ok: boolean }[];
}

export type MailboxProbe = (tenantId: string, mailbox: string) => Promise<ProbeResult>;

/** How long one probe may take before it counts as "Exchange did not answer". */
const PROBE_TIMEOUT_MS = 30_000;

/**
 * Tries one mailbox with the tenant's Exchange connection as a sync would: for each enabled item kind it opens the
 * mailbox's folder and reads at most one item of the next day, so a test costs a few requests whatever the mailbox
 * holds. Nothing is written and no state is recorded. The failure is classified exactly as a sync classifies it
 * (`verdictOf`), so the code an admin sees here is the one the user's state would show.
 */
export function createMailboxProbe(deps: {
  readonly repos: Repositories;
  readonly vault: Vault;
  readonly exchangeStores?: ExchangeStoreFactory;
  readonly now?: () => Date;
}): MailboxProbe {
  const stores = deps.exchangeStores ?? defaultExchangeStores;
  return async (tenantId, mailbox) => {
    const tenant = await deps.repos.tenants.get(tenantId);
    const settings = withDefaults(tenant?.settings);
    const kinds = ITEM_KINDS.filter((k) => settings.itemKinds[k].enabled);
    const folders: { kind: ItemKindName; ok: boolean }[] = [];
    const signal = AbortSignal.timeout(PROBE_TIMEOUT_MS);
    const start = (deps.now ?? (() => new Date()))();
    const window = { start: start.toISOString(), end: new Date(start.getTime() + 86_400_000).toISOString() };
    try {
      const connection = await openConnection(deps, { id: tenantId });
      for (const kind of kinds) {
        folders.push({ kind, ok: false });
        const { store } = await stores({ connection, mailbox, kind: KINDS[kind] });
        for await (const _ of store.listWindow(window, signal)) break; // one item is enough to know it opens
        folders[folders.length - 1] = { kind, ok: true };
      }
    } catch (error) {
      const { code, message } = classify(error, mailbox);
      return { ok: false, mailbox, stateCode: code, message, folders };
    }
    return {
      ok: true,
      mailbox,
      stateCode: null,
      message:
        kinds.length === 0
          ? 'No item kind is enabled in the sync settings, so no folder was tried.'
          : `The connection opened the ${kinds.join(', ')} folder${kinds.length === 1 ? '' : 's'} of ${mailbox}.`,
      folders,
    };
  };
}

/** What to tell the admin, by the code a sync would record for the same failure. */
function classify(error: unknown, mailbox: string): { code: ProbeCode; message: string } {
  if (error instanceof UserSetupError || error instanceof ExchangeSetupError) {
    return { code: 'exchange_connection_invalid', message: error.message };
  }
  const verdict = verdictOf([{ error, authSide: 'exchange' }]);
  switch (verdict.code) {
    case 'exchange_credentials_refused':
      return {
        code: verdict.code,
        message:
          "Exchange refused the connection's credentials. Check the account name and password (EWS) or the app's client secret or certificate and its permissions (Graph).",
      };
    case 'exchange_mailbox_not_found':
      return {
        code: verdict.code,
        message: `Exchange has no mailbox ${mailbox} (or, with Graph, no Exchange Online mailbox or licence for it). Check the address; for enrolled users, the mailbox mapping decides it.`,
      };
    case 'exchange_mailbox_access_denied':
      return {
        code: verdict.code,
        message: `The credentials work, but may not open ${mailbox}: grant the account impersonation (EWS) or include the mailbox in the app's access policy (Graph).`,
      };
    case 'throttled':
      return { code: verdict.code, message: 'Exchange asked to slow down. Try again in a minute.' };
    default:
      return {
        code: verdict.code === 'internal_error' ? 'internal_error' : 'sync_failed',
        message: `Exchange could not be reached or failed: ${describeError(error)}`,
      };
  }
}
