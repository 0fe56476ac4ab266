/** Serving a delta request: initial, nextLink (skiptoken) or deltaLink (deltatoken) — one page per call. */
import { toIanaZone } from '../recurrence/windows-zones';
import { decodeId, encodeId, toGraphId } from '../store/ids';
import type { Folder, Item } from '../store/types';
import { contactJson, taskJson } from './contact-task-json';
import type { GraphCtx } from './context';
import { setPreferenceApplied } from './context';
import { computeRound, decodeToken, deltaPath, encodeToken, expiredError, paginate } from './delta';
import type { DeltaKind, DeltaResultEntry, DeltaState } from './delta-registry';
import { eventJsonText } from './event-json-cache';
import { applySelect, badRequest, GraphError, parseSelect } from './wire';

const CONTEXT: Record<DeltaKind, string> = {
  calendarView: 'https://graph.microsoft.com/v1.0/$metadata#Collection(event)',
  contacts: 'https://graph.microsoft.com/v1.0/$metadata#Collection(contact)',
  tasks: 'https://graph.microsoft.com/v1.0/$metadata#Collection(todoTask)',
};
const TYPE: Record<DeltaKind, string> = {
  calendarView: '#microsoft.graph.event',
  contacts: '#microsoft.graph.contact',
  tasks: '#microsoft.graph.todoTask',
};
/** The `@odata.type` member as JSON text, put first in each entry. */
const TYPE_MEMBER = Object.fromEntries(
  Object.entries(TYPE).map(([k, t]) => [k, `"@odata.type":${JSON.stringify(t)}`]),
) as Record<DeltaKind, string>;

export function serveDelta(
  ctx: GraphCtx,
  kind: DeltaKind,
  folder: Folder,
  folderSegment: string | undefined,
  query: Record<string, string | undefined>,
): string {
  const { sim } = ctx;
  const skip = query.$skiptoken;
  const delta = query.$deltatoken;
  let entries: DeltaResultEntry[];
  let state: DeltaState;
  let pageIndex = 0;
  let roundId: string;
  let pages: DeltaResultEntry[][];

  if (skip !== undefined) {
    const t = decodeToken(skip);
    const round = live(ctx, sim.delta.get(t.s));
    if (!round?.pages) throw expiredError(sim, ctx.origin, t);
    state = round;
    roundId = round.id;
    pages = round.pages;
    pageIndex = t.p ?? 0;
    if (pageIndex >= pages.length) throw badRequest('The skip token points past the end of the round.', 'BadRequest');
  } else {
    let base: DeltaState;
    if (delta !== undefined) {
      const t = decodeToken(delta);
      const found = live(ctx, sim.delta.get(t.s));
      if (!found || found.pages) throw expiredError(sim, ctx.origin, t);
      base = found;
    } else {
      if (kind === 'calendarView') {
        for (const opt of ['$select', '$expand', '$filter', '$orderby', '$search']) {
          if (query[opt] !== undefined) {
            throw badRequest(
              `The query parameter '${opt}' is not supported with change tracking over the 'Event' resource.`,
            );
          }
        }
      }
      const window =
        kind === 'calendarView'
          ? parseWindow(query.startDateTime ?? query.startdatetime, query.endDateTime ?? query.enddatetime)
          : undefined;
      base = {
        id: sim.delta.newId(),
        kind,
        mailboxId: ctx.mailbox.id,
        user: ctx.user,
        folderKey: folder.key,
        folderSegment,
        window,
        seq: -1,
        known: new Map(),
        pageSize: Math.min(ctx.prefer.maxPageSize ?? sim.graph.defaultPageSize, sim.graph.maxPageSize),
        timeZone: ctx.prefer.timeZoneName,
        immutableIds: ctx.prefer.immutableIds,
        select: kind === 'calendarView' ? undefined : parseSelect(query.$select),
        createdAt: sim.clock.now(),
      };
    }
    const round = computeRound(sim, base, folder);
    sim.delta.put(round.next);
    entries = round.entries;
    pages = paginate(entries, Math.max(1, base.pageSize), sim.graph.emptyPageEvery);
    roundId = sim.delta.newId();
    state = { ...base, id: roundId, pages, next: round.next.id };
    sim.delta.put(state);
  }

  // Options come from the chain, not from this request's headers (they are encoded in the token).
  const zoneName = state.timeZone;
  const zone = zoneName ? { name: zoneName, iana: ctx.prefer.timeZone ?? safeZone(zoneName) } : undefined;
  const page = pages[pageIndex]!;
  const value = page.map((e) => renderEntry(ctx, kind, e, zone, state.select, state.immutableIds)).join(',');
  const tokenBase = {
    k: kind,
    u: state.user,
    ...(state.folderSegment ? { f: state.folderSegment } : {}),
    ...(state.window ? { st: state.window.start, en: state.window.end } : {}),
  };
  const link = `${ctx.origin}/v1.0${deltaPath(tokenBase)}`;
  // JSON text assembled from each entry's (events come from the rendered-event cache as they are).
  const following =
    pageIndex + 1 < pages.length
      ? `"@odata.nextLink":${JSON.stringify(`${link}?$skiptoken=${encodeToken({ ...tokenBase, s: roundId, p: pageIndex + 1 })}`)}`
      : `"@odata.deltaLink":${JSON.stringify(`${link}?$deltatoken=${encodeToken({ ...tokenBase, s: state.next! })}`)}`;
  const body = `{"@odata.context":${JSON.stringify(CONTEXT[kind])},${following},"value":[${value}]}`;
  const applied = [
    `odata.maxpagesize=${state.pageSize}`,
    ...(zoneName ? [`outlook.timezone="${zoneName}"`] : []),
    ...(state.immutableIds ? ['IdType="ImmutableId"'] : []),
  ];
  if (ctx.prefer.applied.length || state.immutableIds || zoneName)
    ctx.reply.header('Preference-Applied', applied.join(', '));
  else setPreferenceApplied(ctx, []);
  return body;
}

/** A state past the configured token lifetime is as good as evicted. */
function live(ctx: GraphCtx, s: DeltaState | undefined): DeltaState | undefined {
  const ttl = ctx.sim.graph.deltaTokenTtlMs;
  return s && ttl > 0 && ctx.sim.clock.now() - s.createdAt > ttl ? undefined : s;
}

function safeZone(name: string): string {
  try {
    return toIanaZone(name);
  } catch {
    return 'UTC';
  }
}

function parseWindow(start: string | undefined, end: string | undefined): { start: number; end: number } {
  if (!start || !end) {
    throw new GraphError(
      400,
      'ErrorInvalidParameter',
      'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.',
    );
  }
  const s = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(start) ? start : `${start}Z`);
  const e = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(end) ? end : `${end}Z`);
  if (Number.isNaN(s) || Number.isNaN(e)) throw badRequest('startDateTime/endDateTime must be ISO 8601 date-times');
  if (e < s) throw badRequest('endDateTime must be after startDateTime');
  return { start: s, end: e };
}

function renderEntry(
  ctx: GraphCtx,
  kind: DeltaKind,
  e: DeltaResultEntry,
  zone: { name: string; iana: string } | undefined,
  select: string[] | undefined,
  immutable: boolean,
): string {
  // Written only for the entries that are tombstones (most of a first sync's entries are not).
  const tomb = () => {
    // Item-level tombstones name the item the way the chain names items (occurrence ids have one spelling).
    const tombId =
      immutable && decodeId(e.entityId)?.kind === 'item'
        ? toGraphId(encodeId('immutable', e.itemKey, 0, 0, ctx.mailbox.id))
        : e.id;
    return JSON.stringify({ '@odata.type': TYPE[kind], id: tombId, '@removed': { reason: 'deleted' } });
  };
  if (e.removed) return tomb();
  const store = ctx.sim.store;
  if (kind === 'calendarView') {
    try {
      const inst = store.getInstance(e.entityId);
      // A master id resolves to its single instance; a series master itself is never sent.
      if (inst.type === 'singleInstance' && inst.master.recurrence) return tomb();
      return eventJsonText(
        inst.master,
        inst.type === 'singleInstance' ? undefined : inst,
        { zone, immutable, bodyType: ctx.prefer.bodyContentType },
        undefined,
        TYPE_MEMBER[kind],
      );
    } catch {
      return tomb();
    }
  }
  const item: Item | undefined = store.itemByKey(e.itemKey);
  if (!item) return tomb();
  if (item.kind === 'contact') {
    const folder = store.folderByKey(item.folderKey)!;
    return JSON.stringify({
      '@odata.type': TYPE[kind],
      ...applySelect(contactJson(item, folder.graphId, undefined, immutable), select),
    });
  }
  if (item.kind === 'task')
    return JSON.stringify({ '@odata.type': TYPE[kind], ...applySelect(taskJson(item, undefined, immutable), select) });
  return tomb();
}
