import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument, READ_ONLY } from './document';

const FIXTURES = join(__dirname, '../../../../../shared/fixtures');
const all = ['ics', 'vcf', 'malformed'].flatMap((dir) =>
  readdirSync(join(FIXTURES, dir)).map((f) => [`${dir}/${f}`, readFileSync(join(FIXTURES, dir, f))] as const),
);

/** The outcome of a parse: its tree, or the error it threw. */
function outcome(parse: () => ReturnType<typeof parseDocument>): unknown {
  try {
    const doc = parse();
    return { root: doc.root, text: doc.text, repairs: doc.repairs, newline: doc.newline };
  } catch (error) {
    return { error: (error as Error).constructor.name, message: (error as Error).message };
  }
}

/**
 * Reading without remembering the bytes (hashes, models, markers — what the engine records of every item written
 * and fetched) must see exactly what the full parse sees: the same tree, so the same hash, and the same errors for
 * what cannot be read, so an unreadable object is still reported as one.
 */
describe('parseDocument, read only', () => {
  it.each(all)('%s: the same tree or the same error as the full parse', (_name, bytes) => {
    expect(outcome(() => parseDocument(bytes, undefined, READ_ONLY))).toEqual(outcome(() => parseDocument(bytes)));
  });
});
