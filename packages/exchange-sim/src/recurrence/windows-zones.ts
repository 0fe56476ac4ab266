/**
 * Windows time zone ids (what Graph and EWS speak) <-> IANA ids (what the engine expands in). Exchange knows every
 * Windows zone: the few below pin the choices tests rely on, CLDR's windowsZones.xml (`windows-iana`, territory
 * "001" first) answers for all the others.
 */
import { findIana, findWindows } from 'windows-iana';
import { isValidTimeZone, UnknownTimeZoneError } from './zoned-time';

const WINDOWS_TO_IANA: Record<string, string> = {
  UTC: 'UTC',
  'Coordinated Universal Time': 'UTC',
  'GMT Standard Time': 'Europe/London',
  'Greenwich Standard Time': 'Atlantic/Reykjavik',
  'W. Europe Standard Time': 'Europe/Berlin',
  'Central Europe Standard Time': 'Europe/Budapest',
  'Romance Standard Time': 'Europe/Paris',
  'Central European Standard Time': 'Europe/Warsaw',
  'E. Europe Standard Time': 'Europe/Chisinau',
  'FLE Standard Time': 'Europe/Kiev',
  'GTB Standard Time': 'Europe/Bucharest',
  'Russian Standard Time': 'Europe/Moscow',
  'Turkey Standard Time': 'Europe/Istanbul',
  'Israel Standard Time': 'Asia/Jerusalem',
  'South Africa Standard Time': 'Africa/Johannesburg',
  'Arabian Standard Time': 'Asia/Dubai',
  'India Standard Time': 'Asia/Kolkata',
  'China Standard Time': 'Asia/Shanghai',
  'Singapore Standard Time': 'Asia/Singapore',
  'Tokyo Standard Time': 'Asia/Tokyo',
  'Korea Standard Time': 'Asia/Seoul',
  'AUS Eastern Standard Time': 'Australia/Sydney',
  'New Zealand Standard Time': 'Pacific/Auckland',
  'Eastern Standard Time': 'America/New_York',
  'Central Standard Time': 'America/Chicago',
  'Mountain Standard Time': 'America/Denver',
  'US Mountain Standard Time': 'America/Phoenix',
  'Pacific Standard Time': 'America/Los_Angeles',
  'Alaskan Standard Time': 'America/Anchorage',
  'Hawaiian Standard Time': 'Pacific/Honolulu',
  'Atlantic Standard Time': 'America/Halifax',
  'E. South America Standard Time': 'America/Sao_Paulo',
  'Argentina Standard Time': 'America/Buenos_Aires',
  'Mexico Standard Time': 'America/Mexico_City',
  'Central Standard Time (Mexico)': 'America/Mexico_City',
  'Pacific Standard Time (Mexico)': 'America/Tijuana',
  'Mountain Standard Time (Mexico)': 'America/Mazatlan',
  'Canada Central Standard Time': 'America/Regina',
};

const IANA_TO_WINDOWS: Record<string, string> = {};
for (const [win, iana] of Object.entries(WINDOWS_TO_IANA)) {
  if (!(iana in IANA_TO_WINDOWS) && win !== 'Coordinated Universal Time') IANA_TO_WINDOWS[iana] = win;
}
Object.assign(IANA_TO_WINDOWS, { 'Etc/UTC': 'UTC', 'Europe/Amsterdam': 'W. Europe Standard Time' });
Object.assign(IANA_TO_WINDOWS, {
  'Europe/Vienna': 'W. Europe Standard Time',
  'Europe/Zurich': 'W. Europe Standard Time',
});

/** Accepts a Windows id or an IANA id; returns the IANA id or throws UnknownTimeZoneError. */
export function toIanaZone(name: string): string {
  const mapped = WINDOWS_TO_IANA[name] ?? cldrIana(name);
  if (mapped) return mapped;
  if (name.includes('/') || name === 'UTC') {
    if (isValidTimeZone(name)) return name;
  }
  throw new UnknownTimeZoneError(name);
}

/** Windows id for an IANA zone; falls back to the IANA id itself (Graph accepts both in responses). */
const windowsByIana = new Map<string, string>();

export function toWindowsZone(iana: string): string {
  let id = windowsByIana.get(iana);
  if (id === undefined) {
    id = IANA_TO_WINDOWS[iana] ?? cldrWindows(iana) ?? iana;
    windowsByIana.set(iana, id);
  }
  return id;
}

function cldrIana(windowsId: string): string | undefined {
  try {
    const iana = findIana(windowsId)[0];
    return iana && isValidTimeZone(iana) ? iana : undefined;
  } catch {
    return undefined;
  }
}

function cldrWindows(iana: string): string | undefined {
  try {
    return findWindows(iana)[0];
  } catch {
    return undefined;
  }
}
