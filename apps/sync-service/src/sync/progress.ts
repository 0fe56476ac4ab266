import type { RunProgress } from '@exsync/core';
import type { RunProgressView } from '@exsync/db';
import type { Logger } from 'pino';

export interface ProgressReporterOptions {
  /** Stores the latest progress (the run record); failures are logged, never thrown into the engine. */
  readonly record: (progress: RunProgressView) => Promise<void>;
  readonly log: Logger;
  /** At most one write per this many ms (phase changes are written at once). Default 1 s. */
  readonly writeEveryMs?: number;
  /** A log line per this many items … Default 500. */
  readonly logEveryItems?: number;
  /** … or this many ms, whichever comes first. Default 10 s. */
  readonly logEveryMs?: number;
  readonly now?: () => number;
}

export interface ProgressReporter {
  /** The engine's callback: synchronous and cheap; the write happens in the background. */
  readonly onProgress: (progress: RunProgress) => void;
  /** Waits for the last write (call before the run's end is recorded, so it cannot land after it). */
  flush(): Promise<void>;
}

/**
 * Turns the engine's frequent progress reports into at most one database write per second, none in a run's first
 * second (so GET user shows counts no older than that while they move) and a log line per 500 items or 10 s. One write in flight at a
 * time; the newest report waiting replaces any older one.
 */
export function createProgressReporter(options: ProgressReporterOptions): ProgressReporter {
  const now = options.now ?? Date.now;
  const writeEveryMs = options.writeEveryMs ?? 1000;
  const logEveryItems = options.logEveryItems ?? 500;
  const logEveryMs = options.logEveryMs ?? 10_000;
  // Nothing is written in a run's first `writeEveryMs`: a run that ends sooner (a quiet user's, most of them) is
  // told by its record's end, and its progress writes would cost more than the rest of the run's queries.
  const startedAt = now();
  let lastWriteAt = Number.NEGATIVE_INFINITY;
  let lastPhase: string | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  let waiting: RunProgressView | undefined;
  let logged = { key: '', done: 0, at: now() };

  const write = (view: RunProgressView) => {
    waiting = view;
    inFlight = inFlight.then(async () => {
      const next = waiting;
      waiting = undefined;
      if (!next) return;
      try {
        await options.record(next);
      } catch (error) {
        options.log.warn({ err: error }, 'could not record run progress');
      }
    });
  };

  return {
    onProgress(p) {
      const t = now();
      const key = `${p.phase}:${p.side ?? ''}`;
      const view: RunProgressView = {
        phase: p.phase,
        ...(p.side ? { side: p.side } : {}),
        done: p.done,
        planned: p.planned,
        at: new Date(t).toISOString(),
      };
      const due = key !== lastPhase || t - lastWriteAt >= writeEveryMs || (p.planned !== null && p.done === p.planned);
      if (due && t - startedAt >= writeEveryMs) {
        lastPhase = key;
        lastWriteAt = t;
        write(view);
      }
      // A new phase counts from zero; a short run logs nothing, a long one a line per 500 items or 10 s.
      if (key !== logged.key) logged = { key, done: 0, at: logged.at };
      if (p.done - logged.done >= logEveryItems || t - logged.at >= logEveryMs) {
        logged = { key, done: p.done, at: t };
        options.log.info({ phase: p.phase, side: p.side, done: p.done, planned: p.planned }, 'sync progress');
      }
    },
    flush: () => inFlight,
  };
}
