/**
 * Control-API item input: the store's shapes with times as ISO strings (or epoch ms) and Windows or IANA zones,
 * so seeds are readable JSON.
 */
import { toIanaZone } from '../recurrence/windows-zones';
import { StoreError } from '../store/errors';

const TIME_FIELDS = ['start', 'end', 'dueDateTime', 'startDateTime', 'completedDateTime', 'reminderDateTime'];
const ZONE_FIELDS = ['timeZone', 'endTimeZone'];

export function reviveInput<T extends Record<string, unknown>>(input: T): T {
  if (!input || typeof input !== 'object') throw new StoreError('InvalidInput', 'Expected a JSON object');
  const out: Record<string, unknown> = { ...input };
  for (const k of TIME_FIELDS) {
    const v = out[k];
    if (typeof v === 'string') {
      const ms = Date.parse(v);
      if (Number.isNaN(ms)) throw new StoreError('InvalidInput', `${k} "${v}" is not an ISO date-time`);
      out[k] = ms;
    }
  }
  for (const k of ZONE_FIELDS) {
    if (typeof out[k] === 'string') {
      try {
        out[k] = toIanaZone(out[k] as string);
      } catch (e) {
        throw new StoreError('InvalidInput', (e as Error).message);
      }
    }
  }
  if (out.timeZone && !out.endTimeZone && 'start' in out) out.endTimeZone = out.timeZone;
  if (Array.isArray(out.attendees)) {
    out.attendees = out.attendees.map(
      (a: { emailAddress?: unknown; address?: string; name?: string; type?: string; response?: string }) =>
        a.emailAddress
          ? { type: 'required', status: { response: 'none' }, ...a }
          : {
              emailAddress: { address: a.address, ...(a.name ? { name: a.name } : {}) },
              type: a.type ?? 'required',
              status: { response: a.response ?? 'none' },
            },
    );
  }
  return out as T;
}
