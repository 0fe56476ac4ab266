import type { ServiceStore } from '../store/port';
import type { Vault } from './vault';

export interface RotationResult {
  /** Secrets re-encrypted under the current key. */
  rotated: number;
  /** Rows whose secret changed while we worked on them (a fresh write under the current key wins). */
  raced: number;
}

/**
 * Re-encrypts every secret not sealed under the vault's current key. Runs while the service serves: each row is
 * replaced only if it still holds the ciphertext that was read, and every replica already decrypts with both the
 * old and the new key (EXSYNC_OLD_SECRET_KEYS), so nothing waits and nothing is lost.
 */
export async function rotateSecrets(
  store: ServiceStore,
  vault: Vault,
  options: { batchSize?: number; onProgress?: (done: number) => void } = {},
): Promise<RotationResult> {
  const batchSize = options.batchSize ?? 200;
  const result: RotationResult = { rotated: 0, raced: 0 };
  for (;;) {
    const batch = await store.secrets.listStale(vault.ring.current.id, batchSize);
    if (batch.length === 0) return result;
    let progress = 0;
    for (const secret of batch) {
      const next = vault.reseal(secret.sealed, secret.context);
      if (await store.secrets.replace(secret.ref, secret.sealed, next)) {
        result.rotated++;
        progress++;
      } else {
        result.raced++;
      }
    }
    options.onProgress?.(result.rotated);
    // A batch where every row raced means someone keeps writing under an old key: stop rather than spin.
    if (progress === 0) {
      throw new Error(
        'Secrets keep being written under an old key. Make sure every replica runs with the new EXSYNC_SECRET_KEY, then run rotate-key again.',
      );
    }
  }
}
