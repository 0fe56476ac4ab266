/**
 * Builds the admin and personal pages into js/ (exsync-admin.mjs, exsync-personal.mjs and their chunks), which are
 * COMMITTED: the app installs by copying this folder, with no build on the Nextcloud server. CSS is injected by the
 * scripts, so the PHP side adds scripts only. tests/bundle.test.ts checks js/ was built from the current sources.
 */
import { createAppConfig } from '@nextcloud/vite-config';

export default createAppConfig(
  {
    admin: 'src/admin.ts',
    personal: 'src/personal.ts',
  },
  {
    appName: 'exsync',
    // Each entry injects the CSS of its own chunks (two pages, one build).
    inlineCSS: { relativeCSSInjection: true },
    // Source maps would triple the committed bundle; the sources are in src/.
    config: { build: { sourcemap: false } },
    // No .license side files or third-party summary: the README lists the dependencies and their licences.
    extractLicenseInformation: false,
  },
);
