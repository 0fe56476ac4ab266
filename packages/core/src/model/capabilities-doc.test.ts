import { describe, expect, it } from 'vitest';
import type { Capabilities } from './capabilities';
import { heldField, normalisedField, notHeldField } from './capabilities';
import { capabilitiesMarkdown } from './capabilities-doc';
import type { ContactGroupItem } from './contact';

describe('capabilitiesMarkdown', () => {
  it('renders one table per declared kind: field | held | how or why, pipes and line breaks escaped', () => {
    const group = {
      name: heldField(),
      members: normalisedField<ContactGroupItem['members'], ContactGroupItem>('by address | one-offs', (v) => v),
      notes: notHeldField('no body\non groups'),
      categories: heldField(),
    };
    const md = capabilitiesMarkdown({ group } satisfies Capabilities, ['group', 'task']);
    expect(md).toBe(
      [
        '### Contact groups',
        '',
        '| Field | Held | How / why |',
        '| --- | --- | --- |',
        '| `name` | held | |',
        '| `members` | normalised | by address \\| one-offs |',
        '| `notes` | not held | no body on groups |',
        '| `categories` | held | |',
        '',
        '### Tasks',
        '',
        'Every field is held as written.',
        '',
      ].join('\n'),
    );
  });
});
