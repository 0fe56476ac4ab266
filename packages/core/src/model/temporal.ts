/**
 * Points in time as iCalendar knows them. Exchange and vCard map onto the same four forms, so the model never
 * loses the difference between "all day", "this instant" and "9:00 wherever the series lives".
 */
export type DateValue =
  /** An all-day date (VALUE=DATE): `YYYY-MM-DD`. */
  | { readonly kind: 'date'; readonly date: string }
  /** An instant in UTC: `YYYY-MM-DDTHH:MM:SSZ`. */
  | { readonly kind: 'utc'; readonly dateTime: string }
  /** Wall-clock time in an IANA zone (never a Windows name; adapters translate): `YYYY-MM-DDTHH:MM:SS`. */
  | { readonly kind: 'zoned'; readonly dateTime: string; readonly tzid: string }
  /** Wall-clock time with no zone (RFC 5545 floating time). */
  | { readonly kind: 'floating'; readonly dateTime: string };

/** A date whose year may be unknown (vCard `--MMDD` birthdays). */
export interface PartialDate {
  readonly year?: number;
  readonly month: number;
  readonly day: number;
}

/** The window a first run or reconcile looks at, as UTC instants (ISO 8601 with `Z`). */
export interface SyncWindow {
  readonly start: string;
  readonly end: string;
}

/** ISO 8601 duration as in RFC 5545 (`-PT15M`, `P1D`). */
export type Duration = string;
