/** Every string of the pages goes through Nextcloud's translations for the app id "exsync" (see l10n/). */
import { n as nn, t as tt } from '@nextcloud/l10n';

export const t = (text: string, vars?: Record<string, string | number>) => tt('exsync', text, vars);
export const n = (singular: string, plural: string, count: number, vars?: Record<string, string | number>) =>
  nn('exsync', singular, plural, count, vars);
