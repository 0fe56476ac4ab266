import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Errors, errorCatalogue } from './errors';

const README = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'README.md');

async function documentedCodes(): Promise<Map<string, number>> {
  const text = await readFile(README, 'utf8');
  const section = /<!-- error-codes:start -->([\s\S]*?)<!-- error-codes:end -->/.exec(text)?.[1];
  if (!section) throw new Error('README.md lost its error-codes section');
  const codes = new Map<string, number>();
  for (const match of section.matchAll(/^\|\s*`(EXSYNC_[A-Z_]+)`\s*\|\s*(\d{3})\s*\|/gm)) {
    codes.set(match[1]!, Number(match[2]));
  }
  return codes;
}

describe('the error catalogue', () => {
  it('is documented in README.md, code by code and status by status', async () => {
    const documented = await documentedCodes();
    const catalogue = new Map(errorCatalogue().map((e) => [e.code, e.statusCode]));
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(catalogue));
  });

  it('uses unique codes that all start with EXSYNC_ and 4xx/5xx statuses', () => {
    const codes = errorCatalogue().map((e) => e.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const e of errorCatalogue()) {
      expect(e.code).toMatch(/^EXSYNC_[A-Z_]+$/);
      expect(e.statusCode).toBeGreaterThanOrEqual(400);
    }
  });

  it('fills the message from the argument', () => {
    expect(new Errors.BULK_LIMIT_EXCEEDED(1000).message).toContain('at most 1000 users');
  });
});
