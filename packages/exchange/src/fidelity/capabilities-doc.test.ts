import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { capabilitiesMarkdown } from '@exsync/core';
import { describe, expect, it } from 'vitest';
import { ewsCapabilities } from '../ews/capabilities';
import { graphCapabilities } from '../graph/capabilities';

const DOC = join(__dirname, '../../../../docs/capabilities.md');
const MAILBOX = 'user@example.org';

/** Replaces what stands between `<!-- name:start -->` and `<!-- name:end -->`. */
function withSection(text: string, name: string, body: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const [head, rest] = text.split(start);
  const tail = rest?.split(end)[1];
  if (head === undefined || tail === undefined) throw new Error(`docs/capabilities.md lacks the ${name} markers`);
  return `${head}${start}\n\n${body.trimEnd()}\n\n${end}${tail}`;
}

describe('docs/capabilities.md', () => {
  it('shows the EWS and Graph capability tables exactly as the code declares them', () => {
    const doc = readFileSync(DOC, 'utf8');
    let expected = withSection(doc, 'ews', capabilitiesMarkdown(ewsCapabilities(MAILBOX)));
    expected = withSection(
      expected,
      'graph',
      capabilitiesMarkdown(
        graphCapabilities(() => MAILBOX),
        // Graph v1.0 has no contact groups: the Graph store refuses them, so they get no table.
        ['event', 'task', 'contact'],
      ),
    );
    if (process.env.UPDATE_DOCS) writeFileSync(DOC, expected);
    expect(doc).toBe(expected);
  });
});
