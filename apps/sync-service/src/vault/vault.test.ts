import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KEY_FILE, loadOrCreateKeyFile } from './key-file';
import { KeyRing } from './key-ring';
import { Vault, VaultKeyUnknownError, VaultTamperedError } from './vault';

const CTX = 'user:t1:alice:appPassword';

describe('Vault (AES-256-GCM)', () => {
  const vault = new Vault(new KeyRing(randomBytes(32)));

  it('round-trips a secret and never stores the plaintext', () => {
    const sealed = vault.seal('app-password-ÄÖÜ-🔑', CTX);
    expect(sealed.keyId).toBe(vault.ring.current.id);
    expect(Buffer.from(sealed.ciphertext, 'base64').toString('latin1')).not.toContain('app-password');
    expect(vault.open(sealed, CTX)).toBe('app-password-ÄÖÜ-🔑');
  });

  it('uses a fresh nonce, so equal secrets give different ciphertexts', () => {
    expect(vault.seal('same', CTX).ciphertext).not.toBe(vault.seal('same', CTX).ciphertext);
  });

  it('detects a flipped bit anywhere in the stored value', () => {
    const sealed = vault.seal('secret', CTX);
    const raw = Buffer.from(sealed.ciphertext, 'base64');
    for (const index of [0, 12, 28, raw.length - 1]) {
      const bad = Buffer.from(raw);
      bad[index] = (bad[index] ?? 0) ^ 1;
      expect(() => vault.open({ ...sealed, ciphertext: bad.toString('base64') }, CTX)).toThrow(VaultTamperedError);
    }
    expect(() => vault.open({ ...sealed, ciphertext: 'AAAA' }, CTX)).toThrow(VaultTamperedError);
  });

  it('refuses a ciphertext moved onto another record (context is authenticated)', () => {
    const sealed = vault.seal('secret', CTX);
    expect(() => vault.open(sealed, 'user:t1:bob:appPassword')).toThrow(VaultTamperedError);
  });

  it('refuses to decrypt under a wrong key that claims the same id', () => {
    const sealed = vault.seal('secret', CTX);
    const other = new Vault(new KeyRing(randomBytes(32)));
    expect(() => other.open(sealed, CTX)).toThrow(VaultKeyUnknownError);
    // Same id, different key material: GCM's tag check must catch it.
    const forged = { keyId: other.ring.current.id, ciphertext: sealed.ciphertext };
    expect(() => other.open(forged, CTX)).toThrow(VaultTamperedError);
  });

  it('names the missing key id and how to fix it when a key is not configured', () => {
    const err = new VaultKeyUnknownError('abcd');
    expect(err.message).toContain('abcd');
    expect(err.message).toContain('EXSYNC_OLD_SECRET_KEYS');
  });
});

describe('key rotation', () => {
  it('decrypts old secrets with the previous key and reseals them under the new one', () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const before = new Vault(new KeyRing(oldKey));
    const sealed = before.seal('secret', CTX);

    const during = new Vault(new KeyRing(newKey, [oldKey]));
    expect(during.isStale(sealed)).toBe(true);
    expect(during.open(sealed, CTX)).toBe('secret');
    const resealed = during.reseal(sealed, CTX);
    expect(resealed.keyId).toBe(during.ring.current.id);
    expect(during.isStale(resealed)).toBe(false);

    const after = new Vault(new KeyRing(newKey));
    expect(after.open(resealed, CTX)).toBe('secret');
    expect(() => after.open(sealed, CTX)).toThrow(VaultKeyUnknownError);
  });

  it('derives the same key id from the same key, so replicas agree', () => {
    const key = randomBytes(32);
    expect(new KeyRing(key).current.id).toBe(new KeyRing(Buffer.from(key)).current.id);
    expect(() => new KeyRing(randomBytes(16))).toThrow(RangeError);
  });
});

describe('embedded key file', () => {
  it('is generated once, readable only by its owner, and reused afterwards', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'exsync-keys-'));
    const first = await loadOrCreateKeyFile(dir);
    expect(first.created).toBe(true);
    const second = await loadOrCreateKeyFile(dir);
    expect(second.created).toBe(false);
    expect(second.current.equals(first.current)).toBe(true);
    expect((await stat(join(dir, KEY_FILE))).mode & 0o077).toBe(0);
    expect(JSON.parse(await readFile(join(dir, KEY_FILE), 'utf8')).previous).toEqual([]);
  });
});
