import { sameJson } from './event-mapping';

/** One group of EWS properties written from one part of a model item. */
export interface ItemWriter<E, I> {
  get(item: I): unknown;
  set(e: E, item: I, base?: I): void;
}

/**
 * Runs the writers whose part changed since `base` (or, with no base, whose part is set), so an update touches
 * only what the other side changed. Returns how many ran.
 */
export function applyWriters<E, I>(writers: readonly ItemWriter<E, I>[], e: E, next: I, base?: I): number {
  let written = 0;
  for (const w of writers) {
    if (base ? sameJson(w.get(base), w.get(next)) : w.get(next) === undefined) continue;
    w.set(e, next, base);
    written++;
  }
  return written;
}
