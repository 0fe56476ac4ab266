/** Graph calendars and events: CRUD, instances, occurrences, calendarView and calendarView/delta. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Simulator } from '../simulator';
import type { Attendee, CalendarEvent, Folder } from '../store/types';
import { type GraphCtx, graphContext, graphHandler, setPreferenceApplied } from './context';
import { serveDelta } from './delta-handler';
import { parseEventInput, type RenderOptions } from './event-json';
import { eventJsonText } from './event-json-cache';
import {
  badRequest,
  expandedExtendedProperties,
  extendedPropertyFilter,
  GraphError,
  ifMatchChangeKey,
  notFound,
  parseSelect,
} from './wire';

type Q = Record<string, string | undefined>;
type Req<P> = FastifyRequest<{ Params: { user: string } & P; Querystring: Q; Body: Record<string, unknown> }>;

function calendarJson(ctx: GraphCtx, f: Folder) {
  return {
    id: f.graphId,
    name: f.displayName,
    color: 'auto',
    hexColor: '',
    isDefaultCalendar: f.isDefault,
    changeKey: f.changeKey,
    canShare: true,
    canViewPrivateItems: true,
    canEdit: true,
    allowedOnlineMeetingProviders: ['teamsForBusiness'],
    defaultOnlineMeetingProvider: 'teamsForBusiness',
    isTallyingResponses: true,
    isRemovable: !f.isDefault,
    owner: { name: ctx.mailbox.displayName, address: ctx.mailbox.smtpAddress },
  };
}

function calendarOf(ctx: GraphCtx, calId: string | undefined): Folder {
  if (!calId) return ctx.sim.store.distinguishedFolder(ctx.mailbox.id, 'calendar');
  const f = ctx.sim.store.findFolder(calId);
  if (!f || f.mailboxId !== ctx.mailbox.id || f.kind !== 'calendar') throw notFound();
  return f;
}

function eventOfMailbox(ctx: GraphCtx, id: string) {
  const r = ctx.sim.store.resolveEvent(id);
  if (r.master.mailboxId !== ctx.mailbox.id) throw notFound();
  return r;
}

function parseTime(v: string | undefined, name: string): number {
  if (!v) {
    throw new GraphError(
      400,
      'ErrorInvalidParameter',
      'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.',
    );
  }
  const ms = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(v) ? v : `${v}Z`);
  if (Number.isNaN(ms)) throw badRequest(`${name} is not an ISO 8601 date-time`);
  return ms;
}

/**
 * $top/$skip paging with a nextLink, as Graph list endpoints do (default page 10). The answer is JSON text put
 * together from each entity's text (`render`), so events come from the rendered-event cache as they are.
 */
function page<T>(ctx: GraphCtx, all: T[], query: Q, render: (t: T) => string, context: string): string {
  const top = Math.min(Number(query.$top ?? ctx.prefer.maxPageSize ?? 10) || 10, 1000);
  const skip = Number(query.$skip ?? 0) || 0;
  const slice = all.slice(skip, skip + top);
  let out = `{"@odata.context":${JSON.stringify(context)},"value":[${slice.map(render).join(',')}]`;
  if (skip + top < all.length) {
    const url = new URL(ctx.request.url, ctx.origin);
    url.searchParams.set('$skip', String(skip + top));
    url.searchParams.set('$top', String(top));
    out += `,"@odata.nextLink":${JSON.stringify(url.toString())}`;
  }
  return `${out}}`;
}

/** The options an event is rendered with for this request (Prefer headers, `$expand`ed extended properties). */
function renderOptions(ctx: GraphCtx, extendedPropertyIds?: string[]): RenderOptions {
  return {
    zone: ctx.zone,
    bodyType: ctx.prefer.bodyContentType,
    immutable: ctx.prefer.immutableIds,
    ...(extendedPropertyIds ? { extendedPropertyIds } : {}),
  };
}

const EVENTS_CTX = 'https://graph.microsoft.com/v1.0/$metadata#Collection(event)';

/** What Outlook would mail for an organizer's write. */
function mailFor(
  ctx: GraphCtx,
  ev: CalendarEvent,
  kind: 'invitation' | 'update' | 'cancellation',
  originalStart?: number,
) {
  if (!ev.isOrganizer || ev.attendees.length === 0) return;
  ctx.sim.store.recordMeetingMail(ev, kind, 'graph', originalStart !== undefined ? { originalStart } : {});
}

/**
 * An organizer's edit: new attendees get an invitation, removed ones a cancellation, and the others an update when
 * time, place, subject or pattern changed. Edits of other fields (categories, extended properties) send nothing.
 */
function mailForEdit(
  ctx: GraphCtx,
  ev: CalendarEvent,
  before: Attendee[],
  after: Attendee[],
  rescheduled: boolean,
  originalStart?: number,
) {
  if (!ev.isOrganizer) return;
  const self = ctx.mailbox.smtpAddress.toLowerCase();
  const addr = (list: Attendee[]) =>
    new Set(list.map((a) => a.emailAddress.address.toLowerCase()).filter((a) => a !== self));
  const was = addr(before);
  const now = addr(after);
  const added = [...now].filter((a) => !was.has(a));
  const removed = [...was].filter((a) => !now.has(a));
  const kept = [...now].filter((a) => was.has(a));
  const occ = originalStart !== undefined ? { originalStart } : {};
  const store = ctx.sim.store;
  if (added.length) store.recordMeetingMail(ev, 'invitation', 'graph', { ...occ, recipients: added });
  if (removed.length) store.recordMeetingMail(ev, 'cancellation', 'graph', { ...occ, recipients: removed });
  if (rescheduled && kept.length) store.recordMeetingMail(ev, 'update', 'graph', { ...occ, recipients: kept });
}

export function registerCalendarRoutes(app: FastifyInstance, sim: Simulator): void {
  const P = '/v1.0/users/:user';
  const txSeen = new Map<string, { itemKey: number; at: number }>();

  app.get(
    `${P}/calendars`,
    graphHandler(sim, async (req: Req<object>, reply) => {
      const ctx = await graphContext(sim, req, reply, 'calendar', false);
      const cals = sim.store.listFolders(ctx.mailbox.id, 'calendar');
      return page(
        ctx,
        cals,
        req.query,
        (f) => JSON.stringify(calendarJson(ctx, f)),
        'https://graph.microsoft.com/v1.0/$metadata#Collection(calendar)',
      );
    }),
  );

  app.post(
    `${P}/calendars`,
    graphHandler(sim, async (req: Req<object>, reply) => {
      const ctx = await graphContext(sim, req, reply, 'calendar', true);
      const name = req.body?.name;
      if (typeof name !== 'string' || !name.trim()) throw badRequest('A calendar needs a name');
      const f = sim.store.createFolder(ctx.mailbox.id, { kind: 'calendar', displayName: name });
      reply.code(201);
      return calendarJson(ctx, f);
    }),
  );

  for (const path of [`${P}/calendar`, `${P}/calendars/:calId`]) {
    app.get(
      path,
      graphHandler(sim, async (req: Req<{ calId?: string }>, reply) => {
        const ctx = await graphContext(sim, req, reply, 'calendar', false);
        return calendarJson(ctx, calendarOf(ctx, req.params.calId));
      }),
    );
  }

  // Events list (singles and series masters, not expanded).
  for (const path of [`${P}/events`, `${P}/calendar/events`, `${P}/calendars/:calId/events`]) {
    app.get(
      path,
      graphHandler(sim, async (req: Req<{ calId?: string }>, reply) => {
        const ctx = await graphContext(sim, req, reply, 'calendar', false);
        const filter = extendedPropertyFilter(req.query.$filter);
        const ext = expandedExtendedProperties(req.query.$expand);
        const select = parseSelect(req.query.$select);
        const folders =
          req.params.calId || path.endsWith('/calendar/events')
            ? [calendarOf(ctx, req.params.calId)]
            : sim.store.listFolders(ctx.mailbox.id, 'calendar');
        const items = folders
          .flatMap((f) => sim.store.listItems(f.id))
          .filter((i): i is CalendarEvent => i.kind === 'event' && (!filter || filter(i.extendedProperties)))
          .sort((a, b) => a.start - b.start || a.key - b.key);
        const options = renderOptions(ctx, ext);
        setPreferenceApplied(ctx, ['timezone', 'idtype']);
        return page(ctx, items, req.query, (e) => eventJsonText(e, undefined, options, select), EVENTS_CTX);
      }),
    );

    app.post(
      path,
      graphHandler(sim, async (req: Req<{ calId?: string }>, reply) => {
        const ctx = await graphContext(sim, req, reply, 'calendar', true);
        const folder = calendarOf(ctx, req.params.calId);
        const input = parseEventInput(req.body);
        if (input.start === undefined || input.end === undefined) throw badRequest('start and end are required');
        const txKey = input.transactionId ? `${ctx.mailbox.id}|${input.transactionId}` : undefined;
        if (txKey) {
          const seen = txSeen.get(txKey);
          const existing = seen && sim.store.itemByKey(seen.itemKey);
          if (seen && existing?.kind === 'event' && sim.clock.now() - seen.at <= sim.graph.transactionIdWindowMs) {
            reply.code(201);
            setPreferenceApplied(ctx, ['timezone', 'idtype']);
            return eventJsonText(existing, undefined, renderOptions(ctx));
          }
        }
        const ev = sim.store.createEvent(folder.id, { ...input, start: input.start, end: input.end });
        if (txKey) txSeen.set(txKey, { itemKey: ev.key, at: sim.clock.now() });
        mailFor(ctx, ev, 'invitation');
        reply.code(201);
        reply.header(
          'Location',
          `${ctx.origin}/v1.0/users/${encodeURIComponent(ctx.user)}/events/${encodeURIComponent(ctx.prefer.immutableIds ? ev.immutableGraphId : ev.graphId)}`,
        );
        setPreferenceApplied(ctx, ['timezone', 'idtype']);
        return eventJsonText(ev, undefined, renderOptions(ctx));
      }),
    );
  }

  for (const base of [`${P}/events/:id`, `${P}/calendars/:calId/events/:id`, `${P}/calendar/events/:id`]) {
    app.get(
      base,
      graphHandler(sim, async (req: Req<{ id: string }>, reply) => {
        const ctx = await graphContext(sim, req, reply, 'calendar', false);
        const { master, originalStart } = eventOfMailbox(ctx, req.params.id);
        const ext = expandedExtendedProperties(req.query.$expand);
        setPreferenceApplied(ctx, ['timezone', 'idtype']);
        const inst = originalStart === undefined ? undefined : sim.store.getInstance(req.params.id);
        return eventJsonText(master, inst, renderOptions(ctx, ext), parseSelect(req.query.$select));
      }),
    );

    app.patch(
      base,
      graphHandler(sim, async (req: Req<{ id: string }>, reply) => {
        const ctx = await graphContext(sim, req, reply, 'calendar', true);
        const { master, originalStart } = eventOfMailbox(ctx, req.params.id);
        const ifChangeKey = ifMatchChangeKey(req.headers);
        const input = parseEventInput(req.body, master);
        if (input.transactionId !== undefined && input.transactionId !== master.transactionId) {
          throw badRequest('transactionId cannot be changed after the event is created.');
        }
        delete input.transactionId;
        const before =
          originalStart === undefined ? master.attendees : sim.store.getInstance(req.params.id).fields.attendees;
        const rescheduled = ['start', 'end', 'location', 'subject', 'recurrence'].some((k) => k in input);
        setPreferenceApplied(ctx, ['timezone', 'idtype']);
        if (originalStart !== undefined) {
          const { recurrence: _r, timeZone: _t, endTimeZone: _e, extendedProperties: _x, ...overrides } = input;
          const inst = sim.store.updateOccurrence(
            req.params.id,
            overrides,
            ifChangeKey !== undefined ? { ifChangeKey } : {},
          );
          mailForEdit(ctx, master, before, inst.fields.attendees, rescheduled, originalStart);
          return eventJsonText(master, inst, renderOptions(ctx));
        }
        sim.store.updateItem(master.id, input, ifChangeKey !== undefined ? { ifChangeKey } : {});
        mailForEdit(ctx, master, before, master.attendees, rescheduled);
        return eventJsonText(master, undefined, renderOptions(ctx));
      }),
    );

    app.delete(
      base,
      graphHandler(sim, async (req: Req<{ id: string }>, reply) => {
        const ctx = await graphContext(sim, req, reply, 'calendar', true);
        const { master, originalStart } = eventOfMailbox(ctx, req.params.id);
        const ifChangeKey = ifMatchChangeKey(req.headers);
        const opts = ifChangeKey !== undefined ? { ifChangeKey } : {};
        if (originalStart !== undefined) {
          sim.store.deleteOccurrence(req.params.id, opts);
          mailFor(ctx, master, 'cancellation', originalStart);
        } else {
          sim.store.deleteItem(master.id, { ...opts, moveToDeletedItems: true });
          mailFor(ctx, master, 'cancellation');
        }
        reply.code(204);
        return undefined;
      }),
    );
  }

  app.get(
    `${P}/events/:id/instances`,
    graphHandler(sim, async (req: Req<{ id: string }>, reply) => {
      const ctx = await graphContext(sim, req, reply, 'calendar', false);
      const { master, originalStart } = eventOfMailbox(ctx, req.params.id);
      const from = parseTime(req.query.startDateTime, 'startDateTime');
      const to = parseTime(req.query.endDateTime, 'endDateTime');
      if (originalStart !== undefined || !master.recurrence) return { '@odata.context': EVENTS_CTX, value: [] };
      setPreferenceApplied(ctx, ['timezone', 'idtype']);
      const all = sim.store.instancesOf(master.id, from, to);
      const options = renderOptions(ctx, expandedExtendedProperties(req.query.$expand));
      const select = parseSelect(req.query.$select);
      return page(ctx, all, req.query, (i) => eventJsonText(master, i, options, select), EVENTS_CTX);
    }),
  );

  for (const path of [`${P}/calendarView`, `${P}/calendar/calendarView`, `${P}/calendars/:calId/calendarView`]) {
    app.get(
      path,
      graphHandler(sim, async (req: Req<{ calId?: string }>, reply) => {
        const ctx = await graphContext(sim, req, reply, 'calendar', false);
        const from = parseTime(req.query.startDateTime, 'startDateTime');
        const to = parseTime(req.query.endDateTime, 'endDateTime');
        const all = sim.store.calendarView(calendarOf(ctx, req.params.calId).id, from, to);
        // calendarView takes $select and $expand as any event listing does (unlike its delta).
        const options = renderOptions(ctx, expandedExtendedProperties(req.query.$expand));
        const select = parseSelect(req.query.$select);
        setPreferenceApplied(ctx, ['timezone', 'idtype']);
        return page(
          ctx,
          all,
          req.query,
          (i) => eventJsonText(i.master, i.type === 'singleInstance' ? undefined : i, options, select),
          EVENTS_CTX,
        );
      }),
    );
  }

  for (const path of [
    `${P}/calendarView/delta`,
    `${P}/calendar/calendarView/delta`,
    `${P}/calendars/:calId/calendarView/delta`,
  ]) {
    app.get(
      path,
      graphHandler(sim, async (req: Req<{ calId?: string }>, reply) => {
        const ctx = await graphContext(sim, req, reply, 'calendar', false);
        return serveDelta(ctx, 'calendarView', calendarOf(ctx, req.params.calId), req.params.calId, req.query);
      }),
    );
  }
}
