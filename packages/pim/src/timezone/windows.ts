import { findIana, findWindows } from 'windows-iana';

/**
 * Windows time-zone id (as Outlook and Exchange write it, e.g. "W. Europe Standard Time") to IANA, by the CLDR
 * table in `windows-iana`. The first zone CLDR lists for territory 001 is the canonical one. Undefined when the
 * name is not a Windows id.
 */
export function windowsToIana(windowsName: string): string | undefined {
  const name = windowsName.trim();
  try {
    return findIana(name)[0] ?? findIana(name.replace(/^\(UTC[^)]*\)\s*/, ''))[0];
  } catch {
    return undefined;
  }
}

/**
 * IANA zone to the Windows id Exchange expects (CLDR; aliases such as Asia/Calcutta included). Undefined when CLDR
 * maps the zone to no Windows id.
 */
export function ianaToWindows(iana: string): string | undefined {
  try {
    return findWindows(iana.trim())[0];
  } catch {
    return undefined;
  }
}
