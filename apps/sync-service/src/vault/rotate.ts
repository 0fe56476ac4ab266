import type { ServiceStore } from '../store/port';
import { type Vault, VaultUnreadableError } from './vault';

/** A secret the rotation could not open, so it stays as it was; the operator re-enters it or restores its key. */
export interface UnreadableSecret {
  kind: string;
  id: string;
  reason: string;
}

export interface RotationResult {
  /** Secrets re-encrypted under the current key. */
  rotated: number;
  /** Rows whose secret changed while we worked on them (a fresh write under the current key wins). */
  raced: number;
  /** Secrets that could not be opened (unknown key, or failed integrity check): left untouched, reported. */
  unreadable: UnreadableSecret[];
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
  const result: RotationResult = { rotated: 0, raced: 0, unreadable: [] };
  // Unreadable secrets stay stale, so every later listing returns them again: ask for that many more and skip them.
  const skipped = new Set<string>();
  const refKey = (ref: { kind: string; id: string }) => `${ref.kind}:${ref.id}`;
  for (;;) {
    const listed = await store.secrets.listStale(vault.ring.current.id, batchSize + skipped.size);
    const batch = listed.filter((s) => !skipped.has(refKey(s.ref)));
    if (batch.length === 0) return result;
    let progress = 0;
    let attempted = 0;
    for (const secret of batch) {
      let next: ReturnType<Vault['reseal']>;
      try {
        next = vault.reseal(secret.sealed, secret.context);
      } catch (e) {
        if (!(e instanceof VaultUnreadableError)) throw e;
        skipped.add(refKey(secret.ref));
        result.unreadable.push({ kind: secret.ref.kind, id: secret.ref.id, reason: e.message });
        continue;
      }
      attempted++;
      if (await store.secrets.replace(secret.ref, secret.sealed, next)) {
        result.rotated++;
        progress++;
      } else {
        result.raced++;
      }
    }
    options.onProgress?.(result.rotated);
    // A batch where every row raced means someone keeps writing under an old key: stop rather than spin.
    if (attempted > 0 && progress === 0) {
      throw new Error(
        'Secrets keep being written under an old key. Make sure every replica runs with the new EXSYNC_SECRET_KEY, then run rotate-key again.',
      );
    }
  }
}
