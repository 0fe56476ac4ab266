import type { DateValue, Duration } from './temporal';

/** A reminder. Exchange holds one per item; extra alarms live on only in the DAV side's raw object. */
export interface Alarm {
  readonly action: 'display' | 'audio' | 'email';
  /** Relative to start (or due, for tasks), e.g. `-PT15M`; or an absolute instant. */
  readonly trigger:
    | { readonly relative: Duration; readonly related?: 'start' | 'end' }
    | { readonly absolute: DateValue };
  readonly description?: string;
}
