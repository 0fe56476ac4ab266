import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { KeyRing } from './key-ring';

/** What is stored for one secret: the ciphertext and the id of the key that sealed it. */
export interface Sealed {
  keyId: string;
  /** base64 of nonce (12 bytes) | GCM tag (16 bytes) | ciphertext. */
  ciphertext: string;
}

/**
 * A stored secret that cannot be opened. The sync worker maps it to the user's `error` state with this message
 * as the reason (the credentials must be entered again, or the missing key restored); key rotation reports it
 * by id and carries on. The message never contains the secret.
 */
export abstract class VaultUnreadableError extends Error {
  abstract readonly reason: 'unknown_key' | 'tampered';
}

export class VaultKeyUnknownError extends VaultUnreadableError {
  readonly reason = 'unknown_key' as const;
  constructor(readonly keyId: string) {
    super(
      `The secret was encrypted with key ${keyId}, which is not configured. Add that key to EXSYNC_OLD_SECRET_KEYS (or restore it) and restart.`,
    );
    this.name = 'VaultKeyUnknownError';
  }
}

export class VaultTamperedError extends VaultUnreadableError {
  readonly reason = 'tampered' as const;
  constructor() {
    super(
      'A stored secret failed its integrity check: it was altered, or belongs to another record. Enter the credentials again.',
    );
    this.name = 'VaultTamperedError';
  }
}

const NONCE = 12;
const TAG = 16;

/**
 * AES-256-GCM. `context` is bound as additional authenticated data (e.g. "user:<tenant>:<uid>:appPassword"), so a
 * ciphertext copied onto another record fails to decrypt instead of handing one user's password to another.
 */
export class Vault {
  constructor(private currentRing: KeyRing) {}

  get ring(): KeyRing {
    return this.currentRing;
  }

  /** Swaps the keys in a running process (online rotation of the embedded key file). */
  useRing(ring: KeyRing): void {
    this.currentRing = ring;
  }

  seal(plaintext: string, context: string): Sealed {
    const { id, key } = this.ring.current;
    const nonce = randomBytes(NONCE);
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { keyId: id, ciphertext: Buffer.concat([nonce, cipher.getAuthTag(), body]).toString('base64') };
  }

  open(sealed: Sealed, context: string): string {
    const k = this.ring.get(sealed.keyId);
    if (!k) throw new VaultKeyUnknownError(sealed.keyId);
    const raw = Buffer.from(sealed.ciphertext, 'base64');
    if (raw.length < NONCE + TAG) throw new VaultTamperedError();
    try {
      const decipher = createDecipheriv('aes-256-gcm', k.key, raw.subarray(0, NONCE));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(raw.subarray(NONCE, NONCE + TAG));
      return Buffer.concat([decipher.update(raw.subarray(NONCE + TAG)), decipher.final()]).toString('utf8');
    } catch {
      throw new VaultTamperedError();
    }
  }

  /** True when the secret must be re-encrypted to be under the current key. */
  isStale(sealed: Sealed): boolean {
    return sealed.keyId !== this.ring.current.id;
  }

  /** Re-encrypts under the current key; the plaintext never leaves this function. */
  reseal(sealed: Sealed, context: string): Sealed {
    return this.seal(this.open(sealed, context), context);
  }
}
