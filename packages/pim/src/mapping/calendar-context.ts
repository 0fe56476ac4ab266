import { InvalidItemError } from '@exsync/core';
import type { JComp } from '../text/jcal';
import { resolveTzid } from '../timezone/resolve';
import { buildVtimezone } from '../timezone/vtimezone';

/**
 * What date mapping needs from the surrounding VCALENDAR: reading turns TZIDs into IANA zones with the
 * calendar's own VTIMEZONEs; writing reuses a TZID the calendar already has for a zone (so an Outlook item keeps
 * "W. Europe Standard Time") or adds a VTIMEZONE for a new one.
 */
export interface CalendarContext {
  ianaFor(tzid: string): string;
  tzidFor(iana: string): string;
}

export function calendarContext(calendar: JComp): CalendarContext {
  const zones = () => calendar[2].filter((c) => c[0] === 'vtimezone');
  const tzidOf = (z: JComp) => String(z[1].find((p) => p[0] === 'tzid')?.[3] ?? '');
  const refYear = referenceYear(calendar);
  const ianaFor = (tzid: string): string => {
    const vtimezone = zones().find((z) => tzidOf(z) === tzid);
    const iana = resolveTzid(tzid, vtimezone, refYear);
    if (!iana) {
      throw new InvalidItemError(
        `Unknown time zone "${tzid}": it is neither an IANA nor a Windows name and no VTIMEZONE describes it.`,
      );
    }
    return iana;
  };
  return {
    ianaFor,
    tzidFor(iana) {
      for (const z of zones()) {
        const tzid = tzidOf(z);
        try {
          if (ianaFor(tzid) === iana) return tzid;
        } catch {
          // An unusable VTIMEZONE cannot be reused; try the next.
        }
      }
      calendar[2].unshift(buildVtimezone(iana, refYear));
      return iana;
    },
  };
}

/** The year of the first DTSTART: VTIMEZONE rules are compared, and written, as they stand in that year. */
function referenceYear(calendar: JComp): number {
  for (const c of calendar[2]) {
    if (c[0] === 'vtimezone') continue;
    const start = c[1].find((p) => p[0] === 'dtstart' || p[0] === 'due')?.[3];
    const year = typeof start === 'string' ? Number(start.slice(0, 4)) : Number.NaN;
    if (year >= 1971 && year <= 2100) return year;
  }
  return 2025;
}
