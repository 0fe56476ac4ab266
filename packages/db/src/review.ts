import { DatabaseError } from './errors';
import type { Database } from './open-database';
import { decodeLinks } from './status-store/prisma-status-store';
import { isUuid } from './tenants';

/** Side a of every pair is Exchange, side b Nextcloud (the service's composition root decides, DESIGN §4). */
type Side = 'a' | 'b';

/** A deletion the safety valve held back, as a person reviews it. */
export interface HeldDeletion {
  readonly id: string;
  /** The item kind of the pair: event, task, contact. */
  readonly kind: string;
  /** The side that deleted the item (the deletion would be applied to the other one). */
  readonly deletedOn: Side;
  readonly reason: string;
  readonly heldAt: Date;
  /** A decision already taken and waiting for the user's next sync. */
  readonly decision: 'apply' | 'restore' | null;
  /** The item as both sides last agreed on it (the model), when known. */
  readonly item: unknown;
}

/** A field both sides changed differently, and what the policy chose. */
export interface ConflictEntry {
  readonly id: string;
  readonly kind: string;
  readonly fields: readonly string[];
  readonly policy: string;
  readonly winner: Side | null;
  readonly aItem: unknown;
  readonly bItem: unknown;
  readonly createdAt: Date;
}

export interface ReviewRepository {
  /** The user's undecided and decided-but-not-yet-applied held deletions, oldest first. */
  heldDeletions(userId: string): Promise<HeldDeletion[]>;
  /**
   * Records a decision on some (by id) or all of the user's held deletions; the next sync carries it out.
   * Returns which ids were decided and which are not (or no longer) held for this user.
   */
  decide(
    userId: string,
    which: readonly string[] | 'all',
    decision: 'apply' | 'restore',
  ): Promise<{ decided: string[]; notHeld: string[] }>;
  /** The user's conflict log, newest first; `before` is the (createdAt, id) of the last entry of the previous page. */
  conflicts(
    userId: string,
    options: { limit: number; before?: { createdAt: Date; id: string } },
  ): Promise<ConflictEntry[]>;
}

export function createReviewRepository(db: Database): ReviewRepository {
  const { prisma } = db;
  return {
    async heldDeletions(userId) {
      if (!isUuid(userId)) return [];
      const held = await prisma.quarantinedDeletion.findMany({
        where: { resolvedAt: null, pair: { userId } },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        include: { pair: { select: { kind: true } } },
      });
      // The agreed base of each held item, through the status store's coding (rows of either shape).
      const baseOf = new Map<string, unknown>();
      const idents = new Map<string, string[]>();
      for (const q of held) idents.set(q.pairId, [...(idents.get(q.pairId) ?? []), q.ident]);
      for (const [pairId, ofPair] of idents) {
        for (const row of (await decodeLinks(db, pairId, ofPair)).rows) baseOf.set(`${pairId} ${row.ident}`, row.base);
      }
      return held.map((q) => ({
        id: q.id,
        kind: q.pair.kind,
        deletedOn: q.side === 'a' ? 'b' : 'a',
        reason: q.reason,
        heldAt: q.createdAt,
        decision: q.decision,
        item: baseOf.get(`${q.pairId} ${q.ident}`) ?? null,
      }));
    },

    async decide(userId, which, decision) {
      if (which !== 'all' && which.length === 0) return { decided: [], notHeld: [] };
      const ids = which === 'all' ? undefined : which.filter(isUuid);
      const where = { resolvedAt: null, pair: { userId }, ...(ids ? { id: { in: ids } } : {}) };
      if (!isUuid(userId)) throw new DatabaseError('not_found', `User ${userId} does not exist.`);
      return prisma.$transaction(async (tx) => {
        const found = await tx.quarantinedDeletion.findMany({ where, select: { id: true } });
        await tx.quarantinedDeletion.updateMany({
          where: { id: { in: found.map((f) => f.id) } },
          data: { decision, decidedAt: new Date() },
        });
        const decided = found.map((f) => f.id);
        const notHeld = which === 'all' ? [] : which.filter((id) => !decided.includes(id));
        return { decided, notHeld };
      });
    },

    async conflicts(userId, { limit, before }) {
      if (!isUuid(userId)) return [];
      const rows = await prisma.conflict.findMany({
        where: {
          pair: { userId },
          ...(before
            ? {
                OR: [{ createdAt: { lt: before.createdAt } }, { createdAt: before.createdAt, id: { lt: before.id } }],
              }
            : {}),
        },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: limit,
        include: { pair: { select: { kind: true } } },
      });
      return rows.map((c) => ({
        id: c.id,
        kind: c.pair.kind,
        fields: c.fields,
        policy: c.resolution,
        winner: c.winner,
        aItem: c.aItem,
        bItem: c.bItem,
        createdAt: c.createdAt,
      }));
    },
  };
}
