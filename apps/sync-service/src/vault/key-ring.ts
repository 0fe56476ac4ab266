import { createHash } from 'node:crypto';

/** A 32-byte AES key with the id stored beside every ciphertext it produced. */
export interface VaultKey {
  readonly id: string;
  readonly key: Buffer;
}

/**
 * The id is derived from the key itself, so operators never have to name keys and two replicas configured
 * with the same key agree on its id. 16 hex chars of a domain-separated SHA-256 reveal nothing usable.
 */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('exsync-vault-key-id\0').update(key).digest('hex').slice(0, 16);
}

export function vaultKey(key: Buffer): VaultKey {
  if (key.length !== 32) throw new RangeError(`a vault key must be 32 bytes, got ${key.length}`);
  return { id: keyIdOf(key), key: Buffer.from(key) };
}

/** The current key encrypts; every key in the ring (current and previous) decrypts. */
export class KeyRing {
  readonly current: VaultKey;
  private readonly byId = new Map<string, VaultKey>();

  constructor(current: Buffer, previous: readonly Buffer[] = []) {
    this.current = vaultKey(current);
    for (const k of [this.current, ...previous.map(vaultKey)]) {
      if (!this.byId.has(k.id)) this.byId.set(k.id, k);
    }
  }

  get(id: string): VaultKey | undefined {
    return this.byId.get(id);
  }

  get ids(): string[] {
    return [...this.byId.keys()];
  }
}
