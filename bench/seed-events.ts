import { type MailboxStore, weeklySeries } from '@exsync/exchange-sim';

const ZONES = ['Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'UTC', 'Australia/Sydney'];
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * The benchmarks' calendar: `count` events from `t0`, one a day over `days` days at one of nine hours, singles in
 * five zones and every tenth a weekly series of 10 (Mondays). One definition, so every suite syncs the same kind of
 * mailbox.
 */
export function seedEvents(
  store: MailboxStore,
  folderId: string,
  count: number,
  options: { t0: number; days: number; subject: string },
): void {
  for (let i = 0; i < count; i++) {
    const start = options.t0 + (i % options.days) * DAY + (i % 9) * HOUR;
    store.createEvent(folderId, {
      subject: `${options.subject} ${i}`,
      start,
      end: start + HOUR,
      timeZone: ZONES[i % ZONES.length]!,
      location: `Room ${i % 17}`,
      ...(i % 10 === 0 ? { recurrence: weeklySeries(start, 10) } : {}),
    });
  }
}
