/** Keeps only whole-number counts, so an odd stored value cannot break the response schema. */
export function countsOf(value: unknown): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  if (typeof value !== 'object' || value === null) return out;
  for (const [direction, actions] of Object.entries(value)) {
    if (typeof actions !== 'object' || actions === null) continue;
    const row: Record<string, number> = {};
    for (const [action, n] of Object.entries(actions)) if (Number.isInteger(n)) row[action] = n as number;
    out[direction] = row;
  }
  return out;
}
