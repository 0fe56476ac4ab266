/** What each state means for an admin, and which row actions fit it (no "sync now" while credentials are dead). */
import type { UserAction, UserState } from './api';
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
