import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { MailboxItems } from './sim-process';

/**
 * What Radicale holds for a user, read from its storage folder (one file per object), keyed as the simulator
 * keys its items: events by UID, contacts by display name (FN), tasks by title (SUMMARY). Reading the files, not
 * the DAV API, keeps a check of 1,000 users cheap and independent of any client's DAV code.
 */
export function radicaleHoldings(dataDir: string, user: string, collection?: string): MailboxItems {
  const home = join(dataDir, 'collections', 'collection-root', user);
  const held: { event: string[]; contact: string[]; task: string[] } = { event: [], contact: [], task: [] };
  if (!existsSync(home)) return held;
  const collections = collection ? [collection] : readdirSync(home).filter((c) => !c.startsWith('.'));
  for (const c of collections) {
    const dir = join(home, c);
    if (!statSync(dir).isDirectory()) continue;
    for (const file of readdirSync(dir)) {
      if (file.startsWith('.')) continue;
      const path = join(dir, file);
      if (!statSync(path).isFile()) continue;
      const text = readFileSync(path, 'utf8').replace(/\r?\n[ \t]/g, '');
      if (text.includes('BEGIN:VCARD')) held.contact.push(property(text, 'FN'));
      else if (text.includes('BEGIN:VTODO'))
        held.task.push(property(text.slice(text.indexOf('BEGIN:VTODO')), 'SUMMARY'));
      else if (text.includes('BEGIN:VEVENT'))
        held.event.push(property(text.slice(text.indexOf('BEGIN:VEVENT')), 'UID'));
    }
  }
  return held;
}

function property(text: string, name: string): string {
  const match = new RegExp(`^${name}(?:;[^:\\r\\n]*)?:(.*)$`, 'm').exec(text);
  return (match?.[1] ?? '').trim().replace(/\\([,;\\])/g, '$1');
}

/**
 * Throws, naming the first differences, unless the DAV side holds exactly the mailbox's items of the given kinds:
 * none missing, none extra, none twice. A benchmark whose copy is wrong must not print a figure.
 */
export function assertSameItems(
  label: string,
  expected: MailboxItems,
  held: MailboxItems,
  kinds: readonly (keyof MailboxItems)[] = ['event', 'contact', 'task'],
): void {
  const problems: string[] = [];
  for (const kind of kinds) {
    const want = [...expected[kind]].sort();
    const got = [...held[kind]].sort();
    const twice = got.filter((x, i) => i > 0 && got[i - 1] === x);
    const wanted = new Set(want);
    const gotSet = new Set(got);
    const missing = want.filter((x) => !gotSet.has(x));
    const extra = got.filter((x) => !wanted.has(x));
    if (twice.length || missing.length || extra.length || want.length !== got.length) {
      problems.push(
        `${kind}: Exchange ${want.length}, DAV ${got.length}; ${missing.length} missing (${missing.slice(0, 3).join(', ')}), ` +
          `${extra.length} extra (${extra.slice(0, 3).join(', ')}), ${twice.length} twice (${twice.slice(0, 3).join(', ')})`,
      );
    }
  }
  if (problems.length > 0)
    throw new Error(`${label}: the DAV side does not hold the mailbox's items — ${problems.join('; ')}`);
}
