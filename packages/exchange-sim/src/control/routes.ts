/**
 * The control API (`/_control`): drives the simulator from outside, the way tests and humans need to — never part
 * of a protocol face. Mirrors the typed operations on `Simulator`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GraphError } from '../graph/wire';
import type { Simulator } from '../simulator';
import { isStoreError, StoreError } from '../store/errors';
import type { Item } from '../store/types';
import type { FaultAction, FaultMatch } from './faults';
import { ControlSchemas } from './schemas';
import { reviveInput } from './seed-input';

type Body = Record<string, unknown>;
type Req = FastifyRequest<{ Params: Record<string, string>; Querystring: Record<string, string>; Body: Body }>;

function handler(fn: (req: Req, reply: FastifyReply) => unknown) {
  return async (req: Req, reply: FastifyReply) => {
    if (req.validationError) {
      // Ajv's message names the field: "body/location must be string".
      return reply.code(400).send({ error: { code: 'InvalidInput', message: req.validationError.message } });
    }
    try {
      const out = await fn(req, reply);
      return out === undefined ? reply.code(204).send() : out;
    } catch (e) {
      if (isStoreError(e)) {
        const status = e.code.endsWith('NotFound')
          ? 404
          : e.code === 'ChangeKeyMismatch' || e.code === 'DuplicateMailbox'
            ? 409
            : 400;
        return reply.code(status).send({ error: { code: e.code, message: e.message } });
      }
      if (e instanceof GraphError) return reply.code(e.status).send({ error: { code: e.code, message: e.message } });
      if (e instanceof RangeError || e instanceof TypeError || e instanceof SyntaxError) {
        return reply.code(400).send({ error: { code: 'InvalidInput', message: e.message } });
      }
      throw e;
    }
  };
}

/** Route options checking the body against a schema; the handler answers a mismatch with 400 naming the field. */
function body(schema: object) {
  return { schema: { body: schema }, attachValidation: true };
}

/** JSON-friendly view of an item (Maps and Sets of series made plain). */
export function itemView(sim: Simulator, item: Item) {
  const base = { ...item, folderId: sim.store.folderByKey(item.folderKey)?.id } as Record<string, unknown>;
  if (item.kind === 'event') {
    base.exceptions = [...item.exceptions.values()];
    base.deletedOccurrences = [...item.deletedOccurrences].map((t) => new Date(t).toISOString());
  }
  return base;
}

export function registerControl(app: FastifyInstance, sim: Simulator): void {
  const C = '/_control';
  const store = sim.store;

  app.get(
    `${C}/info`,
    handler(() => ({
      tenantId: sim.tenantId,
      urls: sim.urls(),
      clock: new Date(sim.clock.now()).toISOString(),
      msalAuthorityMetadata: sim.msalAuthorityMetadata(),
    })),
  );

  app.get(
    `${C}/mailboxes`,
    handler(() => store.listMailboxes()),
  );
  app.post(
    `${C}/mailboxes`,
    body(ControlSchemas.mailbox),
    handler((req, reply) => {
      const b = req.body ?? {};
      if (typeof b.smtpAddress !== 'string') throw new StoreError('InvalidInput', 'smtpAddress is required');
      reply.code(201);
      return store.createMailbox(b as Parameters<typeof store.createMailbox>[0]);
    }),
  );
  // A mailbox user with an own login (owner access, no impersonation): creates the mailbox when it is missing.
  app.post(
    `${C}/users`,
    handler((req, reply) => {
      const b = req.body ?? {};
      if (typeof b.smtpAddress !== 'string' || typeof b.password !== 'string' || b.password === '') {
        throw new StoreError('InvalidInput', 'smtpAddress and password (non-empty strings) are required');
      }
      const mailbox =
        store.findMailbox(b.smtpAddress) ??
        store.createMailbox({
          smtpAddress: b.smtpAddress,
          ...(typeof b.displayName === 'string' ? { displayName: b.displayName } : {}),
        });
      const account = sim.directory.addMailboxUser({
        smtpAddress: mailbox.smtpAddress,
        password: b.password,
        ...(typeof b.domain === 'string' ? { domain: b.domain } : {}),
      });
      reply.code(201);
      return {
        mailbox,
        login: { username: account.username, domain: account.domain, upn: mailbox.smtpAddress },
      };
    }),
  );
  app.get(
    `${C}/mailboxes/:mbx/folders`,
    handler((req) => store.listFolders(req.params.mbx!)),
  );
  app.post(
    `${C}/mailboxes/:mbx/folders`,
    body(ControlSchemas.folder),
    handler((req, reply) => {
      reply.code(201);
      return store.createFolder(req.params.mbx!, req.body as Parameters<typeof store.createFolder>[1]);
    }),
  );
  app.put(
    `${C}/mailboxes/:mbx/photo`,
    body(ControlSchemas.photo),
    handler((req) => {
      const b = req.body as { data: string; contentType?: string };
      store.setPhoto(req.params.mbx!, {
        data: Buffer.from(b.data, 'base64'),
        contentType: b.contentType ?? 'image/jpeg',
      });
      return { etag: store.photo(req.params.mbx!)?.etag };
    }),
  );
  app.delete(
    `${C}/mailboxes/:mbx/photo`,
    handler((req, reply) => {
      store.setPhoto(req.params.mbx!, undefined);
      reply.code(204);
      return undefined;
    }),
  );
  app.get(
    `${C}/mailboxes/:mbx/items`,
    handler((req) => store.listMailboxItems(req.params.mbx!).map((i) => itemView(sim, i))),
  );

  const folderFor = (req: Req, kind: 'calendar' | 'contacts' | 'tasks') =>
    typeof req.body?.folderId === 'string'
      ? (req.body.folderId as string)
      : store.distinguishedFolder(req.params.mbx!, kind).id;
  const strip = (b: Body) => {
    const { folderId: _f, ...rest } = b ?? {};
    return reviveInput(rest);
  };

  app.post(
    `${C}/mailboxes/:mbx/events`,
    body(ControlSchemas.event),
    handler((req, reply) => {
      const input = strip(req.body) as Parameters<typeof store.createEvent>[1];
      if (typeof input.start !== 'number' || typeof input.end !== 'number')
        throw new StoreError('InvalidInput', 'start and end are required');
      reply.code(201);
      return itemView(sim, store.createEvent(folderFor(req, 'calendar'), input));
    }),
  );
  app.post(
    `${C}/mailboxes/:mbx/contacts`,
    body(ControlSchemas.contact),
    handler((req, reply) => {
      reply.code(201);
      return itemView(sim, store.createContact(folderFor(req, 'contacts'), strip(req.body)));
    }),
  );
  app.post(
    `${C}/mailboxes/:mbx/distribution-lists`,
    body(ControlSchemas.distributionList),
    handler((req, reply) => {
      reply.code(201);
      return itemView(sim, store.createDistributionList(folderFor(req, 'contacts'), strip(req.body)));
    }),
  );
  app.post(
    `${C}/mailboxes/:mbx/tasks`,
    body(ControlSchemas.task),
    handler((req, reply) => {
      reply.code(201);
      return itemView(sim, store.createTask(folderFor(req, 'tasks'), strip(req.body)));
    }),
  );

  // "As another client": Outlook edits. Sends nothing unless asked: `sendMail: "invitation"|"update"|"cancellation"`
  // on PATCH, `?sendCancellation=true` on DELETE (recorded with via "outlook").
  app.get(
    `${C}/items/:id`,
    handler((req) => itemView(sim, store.getItem(req.params.id!))),
  );
  app.patch(
    `${C}/items/:id`,
    body(ControlSchemas.itemPatch),
    handler((req) => {
      const { ifChangeKey, sendMail, ...patch } = req.body ?? {};
      const opts = typeof ifChangeKey === 'string' ? { ifChangeKey } : {};
      if (sendMail !== undefined && !['invitation', 'update', 'cancellation'].includes(String(sendMail))) {
        throw new StoreError('InvalidInput', 'sendMail must be invitation, update or cancellation');
      }
      const item = store.updateItem(req.params.id!, reviveInput(patch), opts);
      if (sendMail && item.kind === 'event') store.recordMeetingMail(item, sendMail as 'update', 'outlook');
      return itemView(sim, item);
    }),
  );
  app.delete(
    `${C}/items/:id`,
    handler((req) => {
      const item = store.getItem(req.params.id!);
      store.deleteItem(req.params.id!, { moveToDeletedItems: req.query.moveToDeletedItems === 'true' });
      if (req.query.sendCancellation === 'true' && item.kind === 'event')
        store.recordMeetingMail(item, 'cancellation', 'outlook');
    }),
  );
  app.post(
    `${C}/items/:id/move`,
    body(ControlSchemas.move),
    handler((req) => itemView(sim, store.moveItem(req.params.id!, String(req.body?.folderId)))),
  );
  app.patch(
    `${C}/occurrences/:id`,
    body(ControlSchemas.occurrencePatch),
    handler((req) => {
      const inst = store.updateOccurrence(req.params.id!, reviveInput(req.body ?? {}));
      return { id: inst.id, graphId: inst.graphId, type: inst.type, changeKey: inst.changeKey };
    }),
  );
  app.delete(
    `${C}/occurrences/:id`,
    handler((req) => {
      store.deleteOccurrence(req.params.id!);
    }),
  );
  app.get(
    `${C}/mailboxes/:mbx/calendar-view`,
    handler((req) => {
      const folder = req.query.folderId ?? store.distinguishedFolder(req.params.mbx!, 'calendar').id;
      return store
        .calendarView(folder, Date.parse(req.query.start ?? ''), Date.parse(req.query.end ?? ''))
        .map((i) => ({
          id: i.id,
          graphId: i.graphId,
          type: i.type,
          masterId: i.master.id,
          subject: i.fields.subject,
          start: new Date(i.fields.start).toISOString(),
          end: new Date(i.fields.end).toISOString(),
          originalStart: i.originalStart === undefined ? undefined : new Date(i.originalStart).toISOString(),
        }));
    }),
  );

  app.get(
    `${C}/clock`,
    handler(() => ({ now: new Date(sim.clock.now()).toISOString() })),
  );
  app.post(
    `${C}/clock/advance`,
    body(ControlSchemas.clockAdvance),
    handler((req) => {
      const ms = Number(req.body?.ms ?? 0) + Number(req.body?.seconds ?? 0) * 1000;
      return { now: new Date(sim.advanceClock(ms)).toISOString() };
    }),
  );
  app.post(
    `${C}/clock`,
    body(ControlSchemas.clockSet),
    handler((req) => {
      const ms = Date.parse(String(req.body?.now));
      if (Number.isNaN(ms)) throw new StoreError('InvalidInput', 'now must be an ISO date-time');
      return { now: new Date(sim.clock.set(ms)).toISOString() };
    }),
  );

  app.get(
    `${C}/faults`,
    handler(() => sim.faults.list()),
  );
  app.post(
    `${C}/faults`,
    body(ControlSchemas.fault),
    handler((req, reply) => {
      const { action, count, ...match } = (req.body ?? {}) as { action?: FaultAction; count?: number } & FaultMatch;
      if (!action) throw new StoreError('InvalidInput', 'action is required, e.g. {"kind":"status","status":429}');
      reply.code(201);
      return sim.injectFault(match, action, count ?? 1);
    }),
  );
  app.delete(
    `${C}/faults`,
    handler(() => sim.faults.clear()),
  );

  app.get(
    `${C}/requests`,
    handler((req) =>
      sim.requests({
        ...(req.query.face ? { face: req.query.face as 'graph' } : {}),
        ...(req.query.since ? { since: Number(req.query.since) } : {}),
      }),
    ),
  );
  app.delete(
    `${C}/requests`,
    handler(() => sim.log.clear()),
  );

  app.get(
    `${C}/mail`,
    handler((req) =>
      sim.sentMail({
        ...(req.query.from ? { from: req.query.from } : {}),
        ...(req.query.kind ? { kind: req.query.kind as 'invitation' } : {}),
        ...(req.query.via ? { via: req.query.via } : {}),
      }),
    ),
  );

  app.get(
    `${C}/subscriptions`,
    handler(() => ({
      subscriptions: [...sim.subscriptions.subscriptions.values()],
      deliveries: sim.subscriptions.deliveries,
    })),
  );
  app.post(
    `${C}/subscriptions/:id/lifecycle`,
    body(ControlSchemas.lifecycle),
    handler((req) => {
      const event = String(req.body?.event);
      if (!['missed', 'subscriptionRemoved', 'reauthorizationRequired'].includes(event)) {
        throw new StoreError('InvalidInput', 'event must be missed, subscriptionRemoved or reauthorizationRequired');
      }
      sim.subscriptionLifecycle(req.params.id!, event as 'missed');
    }),
  );
  app.post(
    `${C}/delta/evict`,
    body(ControlSchemas.deltaEvict),
    handler((req) => ({ evicted: sim.evictDeltaTokens(req.body?.mailbox as string | undefined) })),
  );

  // EWS streaming notifications: the subscriptions and open connections, the behaviour (refuse streaming as
  // Exchange 2007 SP1, heartbeat, idle expiry, mailbox servers), and forgetting subscriptions as an EWS restart does.
  app.get(
    `${C}/ews/streaming`,
    handler(() => ({
      behaviour: sim.ewsStreaming.behaviour,
      subscriptions: [...sim.ewsStreaming.subscriptions.values()].map((s) => ({
        id: s.id,
        mailbox: s.smtpAddress,
        server: s.server,
        queued: s.queue.length,
        idleSince: s.idleSince === undefined ? null : new Date(s.idleSince).toISOString(),
      })),
      connections: sim.ewsStreaming.openConnections(),
    })),
  );
  app.patch(
    `${C}/ews/streaming`,
    body(ControlSchemas.ewsStreaming),
    handler((req) => Object.assign(sim.ewsStreaming.behaviour, req.body ?? {})),
  );
  app.post(
    `${C}/ews/streaming/forget`,
    body(ControlSchemas.ewsStreamingForget),
    handler((req) => ({ forgotten: sim.ewsStreaming.forget(req.body?.mailbox as string | undefined) })),
  );

  app.patch(
    `${C}/graph`,
    handler((req) => Object.assign(sim.graph, req.body ?? {})),
  );
}
