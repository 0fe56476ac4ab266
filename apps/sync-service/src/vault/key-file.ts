import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Embedded mode keeps its secret keys in the data folder, so `pnpm start` works with no configuration. The file
 * holds the current key and the previous ones that `exsync rotate-key` still needs while it re-encrypts.
 */
export const KEY_FILE = 'secret-keys.json';

export interface KeyFileContent {
  current: Buffer;
  previous: Buffer[];
}

function decode(text: string, path: string): KeyFileContent {
  const data = JSON.parse(text) as { current?: unknown; previous?: unknown };
  const toKey = (v: unknown): Buffer => {
    const b = typeof v === 'string' ? Buffer.from(v, 'base64') : Buffer.alloc(0);
    if (b.length !== 32) throw new Error(`${path} is damaged: every key must be 32 bytes of base64`);
    return b;
  };
  const previous = Array.isArray(data.previous) ? data.previous.map(toKey) : [];
  return { current: toKey(data.current), previous };
}

export async function readKeyFile(dataDir: string): Promise<KeyFileContent | undefined> {
  const path = join(dataDir, KEY_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  return decode(text, path);
}

export async function writeKeyFile(dataDir: string, content: KeyFileContent): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  const path = join(dataDir, KEY_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  const body = JSON.stringify(
    { current: content.current.toString('base64'), previous: content.previous.map((k) => k.toString('base64')) },
    null,
    2,
  );
  // Written then renamed, so a crash never leaves a half-written key file (that would lose every secret).
  await writeFile(tmp, `${body}\n`, { mode: 0o600 });
  await rename(tmp, path);
}

/** Returns the keys, generating the file on first use; `created` tells the caller to warn the operator. */
export async function loadOrCreateKeyFile(dataDir: string): Promise<KeyFileContent & { created: boolean }> {
  const existing = await readKeyFile(dataDir);
  if (existing) return { ...existing, created: false };
  const content = { current: randomBytes(32), previous: [] };
  await writeKeyFile(dataDir, content);
  return { ...content, created: true };
}
