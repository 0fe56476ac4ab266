/**
 * Direction names as the API and /metrics show them. Side a is Exchange, side b Nextcloud; stored runs keep the
 * engine's side names (`a_to_b`, `b_to_a`), so older runs read the same, and are translated here, at the edge.
 */
export const DIRECTIONS: Readonly<Record<string, string>> = {
  a_to_b: 'exchange_to_nextcloud',
  b_to_a: 'nextcloud_to_exchange',
};

/**
 * Keeps only whole-number counts, so an odd stored value cannot break the response schema, and names each
 * direction by its sides (see DIRECTIONS); other groups (`failed`, `conflict`) keep their names.
 */
export function countsOf(value: unknown): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  if (typeof value !== 'object' || value === null) return out;
  for (const [direction, actions] of Object.entries(value)) {
    if (typeof actions !== 'object' || actions === null) continue;
    const row: Record<string, number> = {};
    for (const [action, n] of Object.entries(actions)) if (Number.isInteger(n)) row[action] = n as number;
    out[DIRECTIONS[direction] ?? direction] = row;
  }
  return out;
}
