import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-hash';
import { answeredItem } from './get-item';
import { eventFields, snapshotOf } from './item-snapshot';
import { responseMessages } from './soap-answer';

/**
 * The read path's guarantee (issue 14): our GetItem reader gives byte for byte the snapshot ews-javascript-api's
 * object model gave. The snapshot is `raw`, hashed and mapped: any difference would rewrite items on the Nextcloud
 * side after an upgrade. `testdata/getitem-library-snapshots.json.gz` was recorded by a differential run of both
 * paths against the simulator (commit "exchange: GetItem answers read by our own parser…", `EWS_READ_RECORD`),
 * before the library path was removed: for every item of the fidelity corpora as exsync writes it, and for items
 * made "in Outlook" with what exsync never writes (attendee answers, another organizer, every recurrence pattern
 * and range, all contact slots, entities, CR LF and padding in text), the simulator's GetItem answer (and, for a
 * series with modified occurrences, the answer for those) beside the snapshot the library made of it.
 */
interface Recorded {
  readonly name: string;
  readonly kind: 'calendar' | 'addressbook' | 'tasks';
  readonly answer: string;
  readonly occurrences?: string;
  readonly snapshot: string;
}
const recorded = JSON.parse(
  gunzipSync(readFileSync(join(__dirname, 'testdata/getitem-library-snapshots.json.gz'))).toString('utf8'),
) as Recorded[];

function ours(r: Recorded): string {
  const [message] = responseMessages(r.answer, 'GetItem');
  if (message?.responseClass !== 'Success') throw new Error(`${r.name}: the recorded answer is not a success`);
  const occurrences = r.occurrences
    ? responseMessages(r.occurrences, 'GetItem').map((m) =>
        m.responseClass === 'Success' ? eventFields(answeredItem(m)) : undefined,
      )
    : [];
  return canonicalJson(snapshotOf(answeredItem(message), occurrences));
}

describe('our GetItem reader gives the snapshots ews-javascript-api gave', () => {
  it('the recording covers every kind, series with modified occurrences and the Outlook-made items', () => {
    expect(new Set(recorded.map((r) => r.kind))).toEqual(new Set(['calendar', 'addressbook', 'tasks']));
    expect(recorded.filter((r) => r.occurrences).length).toBeGreaterThan(0);
    expect(recorded.filter((r) => r.name.startsWith('outlook ')).length).toBe(12);
    expect(recorded.length).toBeGreaterThan(140);
  });

  it.each(recorded.map((r) => [r.name, r] as const))('%s', (_name, r) => {
    expect(ours(r)).toBe(r.snapshot);
  });
});
