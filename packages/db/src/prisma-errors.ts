// Prisma reports known request errors with stable codes (https://www.prisma.io/docs/orm/reference/error-reference);
// match those codes, never message text.

function prismaCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** P2025: the record an update or delete needed does not exist. */
export function isRecordNotFound(error: unknown): boolean {
  return prismaCode(error) === 'P2025';
}

/** P2002: a unique constraint would be violated. */
export function isUniqueViolation(error: unknown): boolean {
  return prismaCode(error) === 'P2002';
}

/** P2003: a foreign key points at nothing (e.g. an unknown tenant id). */
export function isForeignKeyViolation(error: unknown): boolean {
  return prismaCode(error) === 'P2003';
}
