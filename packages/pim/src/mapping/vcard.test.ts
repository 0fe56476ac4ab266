import type { ContactItem } from '@exsync/core';
import { describe, expect, it } from 'vitest';
import { fetchedItemFrom, fromModel, patch, toModel } from '../index';

const unfold = (s: string) => s.replace(/\r\n[ \t]/g, '');

const V4 = [
  'BEGIN:VCARD',
  'VERSION:4.0',
  'UID:label-1',
  'FN:Jane Doe',
  'ADR;TYPE=home;LABEL="Jane Doe\\nMain St 1\\n10115 Berlin":;;Main St 1;Berlin;;10115;',
  'ADR;TYPE=work:;;Office Rd 2;Hamburg;;;',
  'END:VCARD',
  '',
].join('\r\n');

const V3 = [
  'BEGIN:VCARD',
  'VERSION:3.0',
  'UID:label-1',
  'FN:Jane Doe',
  'ADR;TYPE=home:;;Old St 9;Berlin;;10115;',
  'ADR;TYPE=work:;;Office Rd 2;Hamburg;;;',
  'X-KEEP:me',
  'END:VCARD',
  '',
].join('\r\n');

describe('address labels in vCard 3.0 (RFC 2426 §3.2.2) and 4.0 (RFC 6350 §6.3.1)', () => {
  const fromV4 = toModel(V4) as ContactItem;

  it('keeps a vCard 4.0 ADR;LABEL when writing a new vCard 3.0, as a LABEL with the same TYPE', () => {
    const out = fromModel(fromV4, { vcardVersion: '3.0', now: '2026-01-01T00:00:00Z' });
    expect(unfold(out)).toContain('LABEL;TYPE=home:Jane Doe\\nMain St 1\\n10115 Berlin\r\n');
    expect(toModel(out)).toEqual(fromV4);
  });

  it('keeps a vCard 4.0 ADR;LABEL when patching a vCard 3.0 card, touching only that address', () => {
    const out = patch(V3, fromV4);
    expect(toModel(out)).toEqual(fromV4);
    expect(out).toContain('ADR;TYPE=home:;;Main St 1;Berlin;;10115;\r\n');
    expect(unfold(out)).toContain('LABEL;TYPE=home:Jane Doe\\nMain St 1\\n10115 Berlin\r\n');
    expect(out).toContain('ADR;TYPE=work:;;Office Rd 2;Hamburg;;;\r\n');
    expect(out).toContain('X-KEEP:me');
  });

  it('reads a vCard 3.0 LABEL into the address it belongs to, by group or by TYPE', () => {
    const v3 = V3.replace(
      'X-KEEP:me',
      'item2.ADR:;;Third Way 3;Bonn;;;\r\nLABEL;TYPE=home:Home label\r\nitem2.LABEL:Bonn label',
    );
    expect((toModel(v3) as ContactItem).addresses.map((a) => a.label)).toEqual(['Home label', undefined, 'Bonn label']);
  });

  it('changes the LABEL line with the label and removes it with the label', () => {
    const v3 = V3.replace('X-KEEP:me', 'LABEL;TYPE=home:Home label');
    const card = toModel(v3) as ContactItem;
    const relabelled = patch(v3, { ...card, addresses: [{ ...card.addresses[0]!, label: 'New' }, card.addresses[1]!] });
    expect(relabelled).toContain('LABEL;TYPE=home:New\r\n');
    expect(relabelled).toContain('ADR;TYPE=home:;;Old St 9;Berlin;;10115;\r\n');
    const { label: _dropped, ...unlabelled } = card.addresses[0]!;
    const removed = patch(v3, { ...card, addresses: [unlabelled, card.addresses[1]!] });
    expect(removed).not.toContain('LABEL');
    expect(toModel(removed)).toEqual({ ...card, addresses: [unlabelled, card.addresses[1]!] });
  });
});

describe('a vCard without UID', () => {
  const NO_UID = [
    'BEGIN:VCARD',
    'VERSION:3.0',
    'N:Doe;Jane;;;',
    'FN:Jane Doe',
    'TEL;TYPE=cell:+49 170 1',
    'END:VCARD',
    '',
  ].join('\r\n');
  const ref = (href: string) => ({ href, version: '"1"' });

  it('gets a UID that stays the same when a field of the card is edited', () => {
    const before = toModel(NO_UID);
    const after = toModel(NO_UID.replace('+49 170 1', '+49 170 2').replace('TYPE=cell', 'TYPE=work'));
    expect(after.uid).toBe(before.uid);
  });

  it('fetched over DAV takes its UID from the resource name, so no edit of any field changes it', () => {
    const first = fetchedItemFrom(ref('/dav/addressbooks/u/contacts/jane%20doe-1.vcf'), NO_UID);
    expect(first.item.uid).toBe('jane doe-1');
    const renamed = NO_UID.replace('Doe;Jane', 'Roe;Janet').replace('Jane Doe', 'Janet Roe');
    expect(fetchedItemFrom(ref('/dav/addressbooks/u/contacts/jane%20doe-1.vcf'), renamed).item.uid).toBe('jane doe-1');
  });

  it('keeps that UID through a patch and the next fetch', () => {
    const href = '/dav/addressbooks/u/contacts/ABC-123.vcf';
    const fetched = fetchedItemFrom(ref(href), NO_UID);
    const card = fetched.item as ContactItem;
    const out = patch(fetched.raw, { ...card, phones: [{ value: '+49 170 9', types: ['cell'] }] });
    expect(out).toContain('UID:ABC-123\r\n');
    expect(fetchedItemFrom(ref(href), out).item.uid).toBe('ABC-123');
    expect(toModel(out).uid).toBe('ABC-123');
  });
});
