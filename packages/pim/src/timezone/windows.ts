import { findIana, findWindows } from 'windows-iana';

/**
 * windows-iana searches its whole table on every call (a sync asks for the same few zones thousands of times), so
 * answers are remembered per name; a bound on memory for odd input, far above the ~140 Windows and ~600 IANA ids.
 */
const MAX_REMEMBERED = 2_000;
const toIana = new Map<string, string | undefined>();
const toWindows = new Map<string, string | undefined>();

function remembered(memo: Map<string, string | undefined>, key: string, find: () => string | undefined) {
  if (memo.has(key)) return memo.get(key);
  const found = find();
  if (memo.size >= MAX_REMEMBERED) memo.clear();
  memo.set(key, found);
  return found;
}

/**
 * Windows time-zone id (as Outlook and Exchange write it, e.g. "W. Europe Standard Time") to IANA, by the CLDR
 * table in `windows-iana`. The first zone CLDR lists for territory 001 is the canonical one. Undefined when the
 * name is not a Windows id.
 */
export function windowsToIana(windowsName: string): string | undefined {
  return remembered(toIana, windowsName, () => {
    const name = windowsName.trim();
    try {
      return findIana(name)[0] ?? findIana(name.replace(/^\(UTC[^)]*\)\s*/, ''))[0];
    } catch {
      return undefined;
    }
  });
}

/**
 * IANA zone to the Windows id Exchange expects (CLDR; aliases such as Asia/Calcutta included). Undefined when CLDR
 * maps the zone to no Windows id.
 */
export function ianaToWindows(iana: string): string | undefined {
  return remembered(toWindows, iana, () => {
    try {
      return findWindows(iana.trim())[0];
    } catch {
      return undefined;
    }
  });
}
