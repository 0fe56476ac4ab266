import { randomBytes } from 'node:crypto';
import type { Config } from '../config';
import type { ServiceStore } from '../store/port';
import { readKeyFile, writeKeyFile } from './key-file';
import { KeyRing } from './key-ring';
import { type RotationResult, rotateSecrets } from './rotate';
import type { Vault } from './vault';

/** Longer than any request takes between sealing a secret and committing it. */
const GRACE_MS = 2_000;

export interface OnlineRotationResult extends RotationResult {
  keyId: string;
  /** True when a new key was generated into the data folder (embedded mode without EXSYNC_SECRET_KEY). */
  generatedKey: boolean;
}

/**
 * Key rotation inside the running service, so the embedded database (one process) rotates without downtime too.
 * With a key file: a new key is written first (the old one kept as previous), the vault switches to it, every
 * secret is re-sealed, then the old key is dropped. With EXSYNC_SECRET_KEY the keys come from the environment, so
 * this only re-seals what is still under EXSYNC_OLD_SECRET_KEYS.
 */
export function createOnlineRotation(config: Config, store: ServiceStore, vault: Vault) {
  let running: Promise<OnlineRotationResult> | undefined;

  async function rotate(): Promise<OnlineRotationResult> {
    const useFile = !config.databaseUrl && !config.secretKey;
    if (useFile) {
      const file = await readKeyFile(config.dataDir);
      if (!file) throw new Error(`no key file in ${config.dataDir}`);
      const next = { current: randomBytes(32), previous: [file.current, ...file.previous] };
      await writeKeyFile(config.dataDir, next);
      vault.useRing(new KeyRing(next.current, [...next.previous, ...config.oldSecretKeys]));
    }
    const result = await rotateSecrets(store, vault);
    if (useFile) {
      // A request that sealed under the old key just before the switch may commit after the first pass: give
      // in-flight requests a moment, then sweep again before the old key is forgotten.
      await new Promise((resolve) => setTimeout(resolve, GRACE_MS));
      const late = await rotateSecrets(store, vault);
      result.rotated += late.rotated;
      result.raced += late.raced;
      // The second sweep meets the same unreadable secrets again; report each once.
      const known = new Set(result.unreadable.map((u) => `${u.kind}:${u.id}`));
      result.unreadable.push(...late.unreadable.filter((u) => !known.has(`${u.kind}:${u.id}`)));
    }
    if (useFile && (await store.secrets.listStale(vault.ring.current.id, 1)).length === 0) {
      const file = await readKeyFile(config.dataDir);
      if (file) {
        await writeKeyFile(config.dataDir, { current: file.current, previous: [] });
        vault.useRing(new KeyRing(file.current, config.oldSecretKeys));
      }
    }
    return { ...result, keyId: vault.ring.current.id, generatedKey: useFile };
  }

  // One rotation at a time; a second request joins the one in progress.
  return (): Promise<OnlineRotationResult> => {
    running ??= rotate().finally(() => {
      running = undefined;
    });
    return running;
  };
}
