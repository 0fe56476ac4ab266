import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PimItem } from '@exsync/core';
import { parseVCard, serializeDocument, splitObjects, toModel } from '@exsync/pim';

/** The shared real-world corpus (shared/fixtures) as the fidelity tests feed it to the stores. */
const FIXTURES = join(__dirname, '../../../../../shared/fixtures');
const files = (dir: string) => readdirSync(join(FIXTURES, dir)).map((f) => join(FIXTURES, dir, f));

/** Objects the model maps (the pim fixture test proves every other one is refused with a reason). */
const mappable = (raw: string) =>
  /^BEGIN:(VCARD|VTODO)/im.test(raw) || (/^BEGIN:VEVENT/im.test(raw) && /^DTSTART[;:]/im.test(raw));

export interface CorpusObject {
  readonly name: string;
  readonly raw: string;
  readonly item: PimItem;
}

/**
 * The object as Nextcloud hands it to a client. sabre/dav's CardDAV plugin converts every vCard it serves (GET and
 * REPORT address-data) to the negotiated version, vCard 3.0 by default (Plugin::negotiateVCard / convertVCard), so a
 * stored 2.1 card reaches the sync as 3.0; everything else is served as stored.
 */
const asNextcloudServes = (raw: string) => (/^VERSION:2\.1\r?$/m.test(raw) ? serializeDocument(parseVCard(raw)) : raw);

export const corpus: CorpusObject[] = [...files('ics'), ...files('vcf')].flatMap((path) =>
  splitObjects(readFileSync(path))
    .filter(mappable)
    .map(asNextcloudServes)
    .map((raw, i) => ({ name: `${path.split('/').pop()}#${i + 1}`, raw, item: toModel(raw) })),
);
