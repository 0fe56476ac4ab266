/** What each state means for an admin, and which row actions fit it (no "sync now" while credentials are dead). */
import type { PushSide, ServiceUser, UserAction, UserState } from './api';
import { t } from './l10n';

export function stateLabel(state: UserState): string {
  switch (state) {
    case 'active':
      return t('Syncing');
    case 'paused':
      return t('Paused');
    case 'auth_required':
      return t('Needs new credentials');
    case 'throttled':
      return t('Slowed down by a server');
    case 'error':
      return t('Failing');
    case 'needs_review':
      return t('Deletions held for review');
  }
}

export function stateHelp(state: UserState): string {
  switch (state) {
    case 'active':
      return t('Synced on schedule.');
    case 'paused':
      return t('An admin paused this user; nothing is synced until resumed.');
    case 'auth_required':
      return t('The app password stopped working (the user may have revoked it). Re-issue credentials to resume.');
    case 'throttled':
      return t('Exchange or Nextcloud asked to slow down; the service retries by itself.');
    case 'error':
      return t('The last run failed; the reason says what to fix. The service retries on schedule.');
    case 'needs_review':
      return t(
        'More deletions than the deletion policy allows were held back; decide on them before they are applied.',
      );
  }
}

export type RowAction = UserAction | 'reissue';

export function actionsFor(state: UserState): RowAction[] {
  switch (state) {
    case 'auth_required':
      return ['reissue', 'pause'];
    case 'paused':
      return ['resume'];
    default:
      return ['sync', 'resync', 'pause'];
  }
}

/** short: the compact label of a table row ("Resync" instead of "Resync from scratch"). */
export function actionLabel(action: RowAction, short = false): string {
  switch (action) {
    case 'sync':
      return t('Sync now');
    case 'resync':
      return short ? t('Resync') : t('Resync from scratch');
    case 'pause':
      return t('Pause');
    case 'resume':
      return t('Resume');
    case 'reissue':
      return t('Re-issue credentials');
  }
}

/** A cause the page can explain: what happened, and what the admin does about it. */
export interface Cause {
  title: string;
  todo: string;
}

/**
 * The service's stateCode in the admin's words (README "How users are synced"). null for a code this page does not
 * know (a newer service): the page then shows the service's own reason.
 */
export function causeOf(code: string | null | undefined): Cause | null {
  switch (code) {
    case 'nextcloud_app_password_refused':
      return {
        title: t('Nextcloud refused the app password'),
        todo: t(
          'The user or an admin revoked it (Personal settings \u2192 Security). Choose \u201cRe-issue credentials\u201d; nothing is synced until then.',
        ),
      };
    case 'exchange_credentials_refused':
      return {
        title: t('Exchange refused the connection\u2019s credentials'),
        todo: t(
          'This affects every user. Correct the service account\u2019s password (EWS) or the app\u2019s client secret or certificate (Graph) in \u201cExchange connection\u201d; the next scheduled sync resumes.',
        ),
      };
    case 'exchange_mailbox_not_found':
      return {
        title: t('Exchange has no mailbox with this address'),
        todo: t(
          'Check the mailbox address shown for the user. If it is wrong, correct the user\u2019s e-mail or the \u201cMailbox mapping\u201d, then \u201cRe-issue credentials\u201d to send the new address. With Microsoft Graph the user also needs an Exchange Online licence.',
        ),
      };
    case 'exchange_mailbox_access_denied':
      return {
        title: t('Exchange refused access to this mailbox'),
        todo: t(
          'The credentials work, but may not open this mailbox. Give the service account the ApplicationImpersonation role for it (EWS), or add the mailbox to the app\u2019s application access policy (Graph).',
        ),
      };
    case 'exchange_connection_invalid':
      return {
        title: t('The Exchange connection cannot be used'),
        todo: t('Correct the field named below in \u201cExchange connection\u201d and save it.'),
      };
    case 'throttled':
      return {
        title: t('A server asked to slow down'),
        todo: t('Nothing to do: the service waits as asked and retries by itself.'),
      };
    case 'sync_failed':
      return {
        title: t('The last sync failed'),
        todo: t(
          'A server could not be reached or answered with an error; the service retries with back-off. If it persists, the reason below says which server.',
        ),
      };
    case 'items_failed':
      return {
        title: t('Some items could not be synced'),
        todo: t(
          'Everything else synced; those items are retried within minutes. Open the user: their last sync lists each item with what to do.',
        ),
      };
    case 'internal_error':
      return {
        title: t('An internal error stopped the sync'),
        todo: t('The service retries by itself. If it keeps failing, send the service log to its operator.'),
      };
    case 'deletions_held_for_review':
      return {
        title: t('Deletions are held for review'),
        todo: t('Open the user and restore or apply each held deletion; everything else keeps syncing.'),
      };
    case 'paused':
      return { title: t('Paused by an admin'), todo: t('Choose \u201cResume\u201d to sync this user again.') };
    default:
      return null;
  }
}

/** Push per side, as far as the service says; null when it says nothing about push (an older service). */
export function pushOf(user: ServiceUser): { exchange: PushSide | null; nextcloud: PushSide | null } | null {
  if (user.push) return { exchange: user.push.exchange ?? null, nextcloud: user.push.nextcloud ?? null };
  // Services before `push` list the Graph subscriptions only: Exchange push is on when there is one.
  if (user.graphNotifications) {
    const latest = user.graphNotifications
      .map((s) => s.lastNotificationAt)
      .filter((at): at is string => at !== null)
      .sort()
      .at(-1);
    return {
      exchange: {
        active: user.graphNotifications.length > 0,
        mode: 'graph-notifications',
        lastNotificationAt: latest ?? null,
      },
      nextcloud: null,
    };
  }
  return null;
}

/** One side's push in a few words: on (since when it last fired), off (polling), or unknown. */
export function pushLabel(side: PushSide | null): string {
  if (!side) return t('not reported');
  if (side.error) return t('failing: {error}', { error: side.error });
  const on = side.active ?? (side.mode !== undefined && side.mode !== null && side.mode !== 'polling');
  if (!on) return t('off (changes wait for the next scheduled sync)');
  const last = side.lastEventAt ?? side.lastNotificationAt;
  return last ? t('on, last change signalled {when}', { when: new Date(last).toLocaleString() }) : t('on');
}
