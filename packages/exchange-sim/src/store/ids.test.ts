import { describe, expect, it } from 'vitest';
import { decodeId, encodeId, forgetDecodedIds, type IdKind, toGraphId } from './ids';

describe('decodeId of ids the simulator encoded', () => {
  it('answers what decoding the text answers, in both spellings', () => {
    const mailboxes = ['6f1c2a9e-3b7d-4c1e-9a2f-0d8e7b6c5a41', '00000000-0000-0000-0000-000000000000'];
    const cases: [IdKind, number, number, number][] = [
      ['folder', 7, 0, 0],
      ['item', 123_456, 2, 0],
      ['immutable', 42, 0, 0],
      ['occurrence', 99, 3, Date.parse('2026-03-02T08:00:00Z')],
      ['occurrence', 2 ** 40 + 5, 4_000_000_000, -86_400_000.5],
    ];
    for (const mailbox of mailboxes) {
      for (const [kind, key, generation, originalStart] of cases) {
        const ews = encodeId(kind, key, generation, originalStart, mailbox);
        const graph = toGraphId(ews);
        // As remembered when encoding ...
        const remembered = [decodeId(ews), decodeId(graph)];
        // ... and as decoded from the text alone.
        forgetDecodedIds();
        expect(remembered).toEqual([decodeId(ews), decodeId(graph)]);
        expect(remembered[0]).toMatchObject({ kind, key, mailboxGuid: mailbox });
      }
    }
  });

  it('remembers nothing for an id decoding would refuse (a mailbox GUID not in lower case)', () => {
    const ews = encodeId('item', 5, 0, 0, '6F1C2A9E-3B7D-4C1E-9A2F-0D8E7B6C5A41');
    expect(decodeId(ews)).toBeUndefined();
  });
});
