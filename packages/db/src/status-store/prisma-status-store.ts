import type {
  ConflictRecord,
  PairState,
  PimItem,
  PlanSummary,
  QuarantineDecision,
  QuarantineRecord,
  RunCounts,
  RunRecord,
  SideStatus,
  StatusRow,
  StatusStore,
  StatusWriter,
  StoredConflict,
  StoredQuarantine,
  StoredRun,
} from '@exsync/core';
import { DatabaseError } from '../errors';
import { Prisma, type PrismaClient } from '../generated/client';
import type { Database } from '../open-database';

type Tx = Prisma.TransactionClient;
type LinkRecord = Awaited<ReturnType<PrismaClient['itemLink']['findMany']>>[number];

/**
 * The engine's status table on PostgreSQL or PGlite (the same SQL on both): `item_links` rows per collection pair,
 * the pair's tokens and retry list on `collection_pairs`, and the conflict log, quarantine and run history.
 */
export class PrismaStatusStore implements StatusStore {
  readonly #prisma: PrismaClient;

  constructor(db: Database) {
    this.#prisma = db.prisma;
  }

  async rows(pair: string): Promise<StatusRow[]> {
    const links = await this.#prisma.itemLink.findMany({ where: { pairId: pair }, orderBy: { ident: 'asc' } });
    return links.map(toRow);
  }

  async pairState(pair: string): Promise<PairState> {
    const p = await this.#pair(this.#prisma, pair);
    const retry = (p.retryHrefs ?? {}) as { a?: string[]; b?: string[] };
    return {
      tokens: {
        ...(p.aSyncToken !== null ? { a: p.aSyncToken } : {}),
        ...(p.bSyncToken !== null ? { b: p.bSyncToken } : {}),
      },
      retry: { a: retry.a ?? [], b: retry.b ?? [] },
      ...(p.windowStart && p.windowEnd
        ? { window: { start: p.windowStart.toISOString(), end: p.windowEnd.toISOString() } }
        : {}),
      ...(p.lastFullSyncAt ? { lastFullSyncAt: p.lastFullSyncAt.toISOString() } : {}),
      needsReview: p.needsReview,
    };
  }

  async transaction<T>(pair: string, fn: (tx: StatusWriter) => Promise<T>): Promise<T> {
    return this.#prisma.$transaction(async (tx) => fn(writer(tx, pair)));
  }

  async conflicts(pair: string): Promise<StoredConflict[]> {
    const rows = await this.#prisma.conflict.findMany({ where: { pairId: pair }, orderBy: { createdAt: 'asc' } });
    return rows.map((c) => ({
      id: c.id,
      ident: c.ident,
      fields: c.fields,
      policy: c.resolution as ConflictRecord['policy'],
      winner: c.winner ?? 'a',
      ...(c.aRaw !== null ? { aRaw: c.aRaw } : {}),
      ...(c.bRaw !== null ? { bRaw: c.bRaw } : {}),
      aItem: c.aItem as unknown as PimItem,
      bItem: c.bItem as unknown as PimItem,
      createdAt: c.createdAt.toISOString(),
    }));
  }

  async quarantined(pair: string): Promise<StoredQuarantine[]> {
    const rows = await this.#prisma.quarantinedDeletion.findMany({
      where: { pairId: pair, resolvedAt: null },
      orderBy: { createdAt: 'asc' },
    });
    return rows.map((q) => ({
      id: q.id,
      ident: q.ident,
      side: q.side,
      href: q.href,
      reason: q.reason as QuarantineRecord['reason'],
      createdAt: q.createdAt.toISOString(),
      ...(q.decision ? { decision: q.decision } : {}),
    }));
  }

  async decideQuarantine(pair: string, id: string, decision: QuarantineDecision): Promise<boolean> {
    const { count } = await this.#prisma.quarantinedDeletion.updateMany({
      where: { id, pairId: pair, resolvedAt: null },
      data: { decision, decidedAt: new Date() },
    });
    return count === 1;
  }

  async resolveQuarantine(pair: string, id: string): Promise<void> {
    await this.#prisma.quarantinedDeletion.updateMany({
      where: { id, pairId: pair, resolvedAt: null },
      data: { resolvedAt: new Date() },
    });
  }

  async startRun(pair: string, options: { readonly dryRun: boolean; readonly syncId?: string }): Promise<string> {
    const p = await this.#pair(this.#prisma, pair);
    const run = await this.#prisma.syncRun.create({
      data: { userId: p.userId, pairId: pair, dryRun: options.dryRun, syncId: options.syncId ?? null },
      select: { id: true },
    });
    return run.id;
  }

  async finishRun(run: string, record: RunRecord): Promise<void> {
    await this.#prisma.syncRun.update({
      where: { id: run },
      data: {
        finishedAt: new Date(),
        outcome: record.outcome,
        counts: record.counts as Prisma.InputJsonValue,
        error: record.error ?? null,
        plan: record.plan ? (record.plan as unknown as Prisma.InputJsonValue) : Prisma.DbNull,
      },
    });
  }

  async runs(pair: string): Promise<StoredRun[]> {
    const rows = await this.#prisma.syncRun.findMany({ where: { pairId: pair }, orderBy: { startedAt: 'asc' } });
    return rows.map((r) => ({
      id: r.id,
      dryRun: r.dryRun,
      startedAt: r.startedAt.toISOString(),
      ...(r.finishedAt ? { finishedAt: r.finishedAt.toISOString() } : {}),
      // A run still marked `running` never finished: the process stopped under it.
      outcome: r.outcome === 'running' ? 'cancelled' : r.outcome,
      counts: r.counts as RunCounts,
      ...(r.error !== null ? { error: r.error } : {}),
      ...(r.plan !== null ? { plan: r.plan as unknown as PlanSummary[] } : {}),
    }));
  }

  async #pair(prisma: PrismaClient | Tx, pair: string) {
    const p = await prisma.collectionPair.findUnique({ where: { id: pair } }).catch((cause: unknown) => {
      throw new DatabaseError('invalid_input', `"${pair}" is not a collection pair id.`, { cause });
    });
    if (!p) throw new DatabaseError('not_found', `Collection pair ${pair} does not exist (was it removed?).`);
    return p;
  }
}

function writer(tx: Tx, pair: string): StatusWriter {
  return {
    async put(row) {
      // An href belongs to one row: the newest claim wins (the unique index would refuse a second holder).
      for (const side of ['a', 'b'] as const) {
        const href = row[side]?.href;
        if (href === undefined) continue;
        await tx.itemLink.updateMany({
          where: { pairId: pair, ident: { not: row.ident }, [`${side}Href`]: href },
          data: sideColumns(side, undefined),
        });
      }
      const data = {
        ...sideColumns('a', row.a),
        ...sideColumns('b', row.b),
        marker: row.ident,
        base: row.base ? (row.base as unknown as Prisma.InputJsonValue) : Prisma.DbNull,
        pendingCreate: row.pendingCreate ?? null,
        dormant: row.dormant ?? false,
      };
      await tx.itemLink.upsert({
        where: { pairId_ident: { pairId: pair, ident: row.ident } },
        create: { pairId: pair, ident: row.ident, ...data },
        update: data,
      });
    },
    async drop(ident) {
      await tx.itemLink.deleteMany({ where: { pairId: pair, ident } });
    },
    async setPairState(patch) {
      await tx.collectionPair.update({
        where: { id: pair },
        data: {
          ...(patch.tokens && 'a' in patch.tokens ? { aSyncToken: patch.tokens.a ?? null } : {}),
          ...(patch.tokens && 'b' in patch.tokens ? { bSyncToken: patch.tokens.b ?? null } : {}),
          ...(patch.retry ? { retryHrefs: { a: [...patch.retry.a], b: [...patch.retry.b] } } : {}),
          ...(patch.window ? { windowStart: new Date(patch.window.start), windowEnd: new Date(patch.window.end) } : {}),
          ...(patch.lastFullSyncAt ? { lastFullSyncAt: new Date(patch.lastFullSyncAt) } : {}),
          ...(patch.needsReview !== undefined ? { needsReview: patch.needsReview } : {}),
        },
      });
    },
    async recordConflict(c) {
      await tx.conflict.create({
        data: {
          pairId: pair,
          ident: c.ident,
          aRaw: c.aRaw ?? null,
          bRaw: c.bRaw ?? null,
          resolution: c.policy,
          fields: [...c.fields],
          winner: c.winner,
          aItem: c.aItem as unknown as Prisma.InputJsonValue,
          bItem: c.bItem as unknown as Prisma.InputJsonValue,
        },
      });
    },
    async quarantine(q) {
      const open = await tx.quarantinedDeletion.findFirst({
        where: { pairId: pair, ident: q.ident, side: q.side, resolvedAt: null },
        select: { id: true },
      });
      if (open) return;
      await tx.quarantinedDeletion.create({
        data: { pairId: pair, ident: q.ident, side: q.side, href: q.href, reason: q.reason },
      });
    },
  };
}

function sideColumns(side: 'a' | 'b', s: SideStatus | undefined) {
  return {
    [`${side}Href`]: s?.href ?? null,
    [`${side}Version`]: s?.version ?? null,
    [`${side}Hash`]: s?.hash ?? null,
    [`${side}Raw`]: s?.raw ?? null,
  } as Record<`${typeof side}${'Href' | 'Version' | 'Hash' | 'Raw'}`, string | null>;
}

function toRow(link: LinkRecord): StatusRow {
  const side = (href: string | null, version: string | null, hash: string | null, raw: string | null) =>
    href === null ? undefined : { href, version: version ?? '', hash: hash ?? '', raw: raw ?? '' };
  const a = side(link.aHref, link.aVersion, link.aHash, link.aRaw);
  const b = side(link.bHref, link.bVersion, link.bHash, link.bRaw);
  return {
    ident: link.ident,
    ...(a ? { a } : {}),
    ...(b ? { b } : {}),
    ...(link.base !== null ? { base: link.base as unknown as PimItem } : {}),
    ...(link.pendingCreate !== null ? { pendingCreate: link.pendingCreate } : {}),
    ...(link.dormant ? { dormant: true } : {}),
  };
}
