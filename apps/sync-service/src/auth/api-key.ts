import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * EXSYNC_ADMIN_KEY is compared in memory: both sides are hashed first, so the comparison takes the same time
 * whatever the presented length. Keys issued by the service are verified by @exsync/db (hash in the database).
 */
function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export function envKeyMatcher(expected: string): (presented: string) => boolean {
  const want = sha256(expected);
  return (presented) => timingSafeEqual(sha256(presented), want);
}
