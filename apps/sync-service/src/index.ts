// The service's public surface inside the workspace (benchmarks, job workers, tests of other packages).
export { type App, type AppDeps, buildApp } from './app';
export { type Config, ConfigError, loadConfig } from './config';
export { createLogger } from './logger';
export { openRuntime, type Runtime } from './runtime';
export { type RunningServer, startServer } from './server';
export { DEFAULT_SETTINGS, type SyncSettings, withDefaults as settingsWithDefaults } from './settings';
export { createDbStore } from './store/db-store';
export type { ServiceStore } from './store/port';
export { KeyRing } from './vault/key-ring';
export { rotateSecrets } from './vault/rotate';
export { type Sealed, Vault } from './vault/vault';
