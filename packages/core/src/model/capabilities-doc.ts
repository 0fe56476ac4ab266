import type { Capabilities, FieldHolding } from './capabilities';
import type { ItemKind } from './item';

const KIND_TITLES: Record<ItemKind, string> = {
  event: 'Events',
  task: 'Tasks',
  contact: 'Contacts',
  group: 'Contact groups',
};

/** Markdown table cells cannot hold pipes or line breaks. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

function row(field: string, holding: FieldHolding<unknown, never>): string {
  switch (holding.held) {
    case 'held':
      return `| \`${field}\` | held | |`;
    case 'normalised':
      return `| \`${field}\` | normalised | ${cell(holding.how)} |`;
    case 'not-held':
      return `| \`${field}\` | not held | ${cell(holding.why)} |`;
  }
}

/**
 * The capability tables of one store as Markdown: a heading and a table (field | held | how / why) per kind it
 * declares, fields in table order. Kinds it leaves out are held whole and get one line saying so.
 */
export function capabilitiesMarkdown(
  caps: Capabilities,
  kinds: readonly ItemKind[] = ['event', 'task', 'contact', 'group'],
): string {
  const parts: string[] = [];
  for (const kind of kinds) {
    const table = caps[kind] as Record<string, FieldHolding<unknown, never>> | undefined;
    parts.push(`### ${KIND_TITLES[kind]}`, '');
    if (!table) {
      parts.push('Every field is held as written.', '');
      continue;
    }
    parts.push('| Field | Held | How / why |', '| --- | --- | --- |');
    for (const [field, holding] of Object.entries(table)) parts.push(row(field, holding));
    parts.push('');
  }
  return parts.join('\n');
}
