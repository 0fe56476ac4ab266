import type { CalendarEvent, EventFields, Folder, FolderKind, Item } from '../../store/types';
import { ewsBehaviour } from '../behaviour';
import type { EwsContext } from '../context';
import { errorMessage, operationResponse, successMessage } from '../envelope';
import { EwsFault, EwsItemError } from '../errors';
import { CALENDAR_URI, clearCalendarField, parseCalendarItem } from '../items/calendar';
import { extendedKey, parseExtendedFieldUri } from '../items/common';
import { clearContactField, parseContact, parseDistributionList } from '../items/contact';
import { importICalendar } from '../items/ical-import';
import { foldMappedProperties } from '../items/mapi-fields';
import { clearTaskField, parseTask } from '../items/task';
import { M, T } from '../xml/namespaces';
import { child, type XNode } from '../xml/parse';
import { el, tx } from '../xml/write';
import { resolveFolder, wrapStore } from './folders';
import { ELEMENT_OF_KIND } from './render-item';
import { requiredList } from './required-list';
import { resolveItem, type Target } from './resolve-item';

const INVITE_MODES = new Set(['SendToNone', 'SendOnlyToAll', 'SendToAllAndSaveCopy']);
const INVITE_OR_CANCEL_MODES = new Set([...INVITE_MODES, 'SendOnlyToChanged', 'SendToChangedAndSaveCopy']);

function checkMode(value: string | undefined, allowed: Set<string>, attr: string): void {
  if (value !== undefined && !allowed.has(value)) {
    throw new EwsFault('ErrorSchemaValidation', `The request failed schema validation: ${attr}="${value}" is invalid.`);
  }
}

const KIND_OF_ELEMENT: Record<string, Item['kind']> = {
  CalendarItem: 'event',
  Contact: 'contact',
  DistributionList: 'distributionList',
  Task: 'task',
};
const DEFAULT_FOLDER: Record<Item['kind'], FolderKind> = {
  event: 'calendar',
  contact: 'contacts',
  distributionList: 'contacts',
  task: 'tasks',
};

const idXml = (kind: Item['kind'], id: string, changeKey: string) =>
  el(ELEMENT_OF_KIND[kind], undefined, `<t:ItemId Id="${id}" ChangeKey="${changeKey}"/>`);

function invitesAttendees(ev: CalendarEvent): boolean {
  return (
    ev.isOrganizer &&
    ev.attendees.some((a) => a.emailAddress.address.toLowerCase() !== ev.organizer.address.toLowerCase())
  );
}

/* ------------------------------------------------------------ CreateItem */

export function createItem(ctx: EwsContext, op: XNode): string {
  const name = 'CreateItem';
  const invites = op.attrs.SendMeetingInvitations;
  checkMode(invites, INVITE_MODES, 'SendMeetingInvitations');
  const saved = child(op, M, 'SavedItemFolderId')?.children[0];
  const items = requiredList(op, 'Items');
  return operationResponse(
    name,
    items.map((n) => {
      try {
        const kind = KIND_OF_ELEMENT[n.name];
        if (!kind || n.ns !== T)
          throw new EwsItemError('ErrorInvalidRequest', `Items of type ${n.name} are not supported by this simulator.`);
        if (kind === 'event' && invites === undefined) throw new EwsItemError('ErrorSendMeetingInvitationsRequired');
        const folder: Folder = saved
          ? resolveFolder(ctx, saved)
          : wrapStore(() => ctx.store.distinguishedFolder(ctx.mailbox.id, DEFAULT_FOLDER[kind]));
        const created = wrapStore(() => createOne(ctx, kind, folder, n));
        if (created.kind === 'event' && invites !== 'SendToNone' && invitesAttendees(created)) {
          ctx.store.recordMeetingMail(created, 'invitation', 'ews');
        }
        return successMessage(name, el('m:Items', undefined, idXml(created.kind, created.id, created.changeKey)));
      } catch (e) {
        if (e instanceof EwsItemError) return errorMessage(name, e, '<m:Items/>');
        throw e;
      }
    }),
  );
}

function createOne(ctx: EwsContext, kind: Item['kind'], folder: Folder, n: XNode): Item {
  switch (kind) {
    case 'event': {
      const mime = child(n, T, 'MimeContent');
      const rest: XNode = mime ? { ...n, children: n.children.filter((c) => c !== mime) } : n;
      const imported = mime ? importICalendar(Buffer.from(mime.text, 'base64').toString('utf8')) : undefined;
      const { patch } = parseCalendarItem(rest, { contextZone: ctx.contextZone });
      foldMappedProperties('event', patch);
      const input = { ...imported?.master, ...patch } as Record<string, unknown>;
      if (typeof input.start !== 'number' || typeof input.end !== 'number') {
        throw new EwsItemError('ErrorInvalidRequest', 'A calendar item needs Start and End.');
      }
      if (input.recurrence) fillRangeStart(input);
      const organizer = input.organizer as { address?: string } | undefined;
      // The mailbox organizes what it imports unless the iCalendar names someone else.
      if (organizer?.address && organizer.address.toLowerCase() !== folderOwner(ctx, folder).toLowerCase()) {
        input.isOrganizer = false;
      }
      const ev = ctx.store.createEvent(folder.id, input as never);
      // The series' deleted and overridden occurrences, as the MIME stream carries them.
      for (const t of imported?.deleted ?? []) ctx.store.deleteOccurrence(ctx.store.occurrenceId(ev, t));
      for (const x of imported?.exceptions ?? []) {
        ctx.store.updateOccurrence(ctx.store.occurrenceId(ev, x.originalStart), x.overrides);
      }
      return ctx.store.getItem(ev.id);
    }
    case 'contact':
      return ctx.store.createContact(folder.id, folded('contact', parseContact(n).patch) as never);
    case 'distributionList':
      return ctx.store.createDistributionList(
        folder.id,
        folded('distributionList', parseDistributionList(n).patch) as never,
      );
    case 'task':
      return ctx.store.createTask(folder.id, folded('task', parseTask(n, ctx.contextZone).patch) as never);
  }
}

function folded(kind: Item['kind'], patch: Record<string, unknown>): Record<string, unknown> {
  foldMappedProperties(kind, patch);
  return patch;
}

function folderOwner(ctx: EwsContext, folder: Folder): string {
  return ctx.store.findMailbox(folder.mailboxId)?.smtpAddress ?? ctx.mailbox.smtpAddress;
}

/** A recurrence's StartDate is the first occurrence's date; keep the client's, but never leave it empty. */
function fillRangeStart(input: Record<string, unknown>): void {
  const r = input.recurrence as { range: { startDate: string } };
  if (!r.range.startDate) r.range.startDate = new Date(input.start as number).toISOString().slice(0, 10);
}

/* ------------------------------------------------------------ UpdateItem */

const OCCURRENCE_FIELDS = new Set<keyof EventFields>([
  'subject',
  'body',
  'location',
  'start',
  'end',
  'isAllDay',
  'showAs',
  'sensitivity',
  'importance',
  'isReminderOn',
  'reminderMinutesBeforeStart',
  'categories',
  'attendees',
  'isCancelled',
]);

export function updateItem(ctx: EwsContext, op: XNode): string {
  const name = 'UpdateItem';
  const mode = op.attrs.SendMeetingInvitationsOrCancellations;
  checkMode(mode, INVITE_OR_CANCEL_MODES, 'SendMeetingInvitationsOrCancellations');
  const resolution = op.attrs.ConflictResolution ?? 'AutoResolve';
  if (!['NeverOverwrite', 'AutoResolve', 'AlwaysOverwrite'].includes(resolution)) {
    throw new EwsFault(
      'ErrorSchemaValidation',
      `The request failed schema validation: ConflictResolution="${resolution}" is invalid.`,
    );
  }
  const changes = requiredList(op, 'ItemChanges');
  return operationResponse(
    name,
    changes.map((change) => {
      try {
        const idNode = change.children.find((c) => c.name.endsWith('ItemId'));
        if (!idNode)
          throw new EwsFault(
            'ErrorSchemaValidation',
            'The request failed schema validation: ItemChange has no item id.',
          );
        const target = resolveItem(ctx, idNode);
        if (target.item.kind === 'event' && mode === undefined) {
          throw new EwsItemError('ErrorSendMeetingInvitationsOrCancellationsRequired');
        }
        const conflicts = checkChangeKey(ctx, target, resolution);
        const result = applyUpdates(ctx, target, child(change, T, 'Updates'));
        if (result.kind === 'event' && mode !== 'SendToNone' && invitesAttendees(result.ev)) {
          ctx.store.recordMeetingMail(
            result.ev,
            'update',
            'ews',
            target.instance?.originalStart !== undefined ? { originalStart: target.instance.originalStart } : {},
          );
        }
        return successMessage(
          name,
          el('m:Items', undefined, idXml(target.item.kind, result.id, result.changeKey)) +
            el('m:ConflictResults', undefined, tx('t:Count', conflicts)),
        );
      } catch (e) {
        if (e instanceof EwsItemError) return errorMessage(name, e, '<m:Items/>');
        throw e;
      }
    }),
  );
}

/** Returns the number of conflicts resolved (ConflictResults/Count); throws when the write must be refused. */
function checkChangeKey(ctx: EwsContext, t: Target, resolution: string): number {
  const current = t.instance?.changeKey ?? t.item.changeKey;
  if (t.changeKey === undefined) {
    if (resolution === 'NeverOverwrite') throw new EwsItemError('ErrorChangeKeyRequiredForWriteOperations');
    return 0;
  }
  if (t.changeKey === current) return 0;
  if (resolution === 'NeverOverwrite') throw new EwsItemError('ErrorIrresolvableConflict');
  if (resolution === 'AutoResolve' && ewsBehaviour(ctx.sim).autoResolveStale === 'refuse') {
    throw new EwsItemError('ErrorIrresolvableConflict');
  }
  return resolution === 'AutoResolve' ? 1 : 0;
}

type UpdateResult = { kind: Item['kind']; id: string; changeKey: string; ev: CalendarEvent };

function applyUpdates(ctx: EwsContext, t: Target, updates: XNode | undefined): UpdateResult {
  if (!updates?.children.length)
    throw new EwsFault('ErrorSchemaValidation', 'The request failed schema validation: Updates is empty.');
  const item = t.item;
  let patch: Record<string, unknown> = {};
  const deleteExtended: string[] = [];
  const working = () => ({ ...item, ...patch }) as Item;
  for (const u of updates.children) {
    const path = u.children[0];
    if (!path)
      throw new EwsFault(
        'ErrorSchemaValidation',
        'The request failed schema validation: an update has no property path.',
      );
    const uri = path.attrs.FieldURI ?? '';
    if (u.name === 'DeleteItemField') {
      if (path.name === 'ExtendedFieldURI') deleteExtended.push(extendedKey(parseExtendedFieldUri(path)));
      else {
        const cleared = clearField(working(), uri, path.attrs.FieldIndex);
        const list = cleared.__clearAttendees as string | undefined;
        if (list && item.kind === 'event') {
          // Each list cleared in one request goes (required, optional, resources alike), on an occurrence too.
          const current =
            (patch.attendees as EventFields['attendees'] | undefined) ?? t.instance?.fields.attendees ?? item.attendees;
          patch = { ...patch, attendees: current.filter((a) => a.type !== list) };
        } else patch = { ...patch, ...cleared };
      }
      continue;
    }
    const holder = u.children[1];
    if (!holder) throw new EwsItemError('ErrorIncorrectUpdatePropertyCount');
    const parsed = parseHolder(ctx, working(), holder);
    if (parsed.count !== 1) throw new EwsItemError('ErrorIncorrectUpdatePropertyCount');
    if (u.name === 'AppendToItemField') {
      patch = { ...patch, ...appendField(working(), uri, parsed.patch) };
    } else if (u.name === 'SetItemField') {
      if (path.name === 'FieldURI' && item.kind === 'event') {
        const el0 = holder.children.find((c) => c.ns === T);
        if (el0 && CALENDAR_URI[el0.name] && CALENDAR_URI[el0.name] !== uri && !(uri === 'calendar:MeetingTimeZone')) {
          throw new EwsItemError(
            'ErrorInvalidPropertyRequest',
            `The property in the item (${el0.name}) does not match FieldURI ${uri}.`,
          );
        }
      }
      patch = { ...patch, ...parsed.patch };
    } else {
      throw new EwsFault('ErrorSchemaValidation', `The request failed schema validation: ${u.name} is not an update.`);
    }
  }
  return wrapStore(() => {
    if (t.instance && t.instance.type !== 'singleInstance') {
      const overrides: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(patch)) {
        if (k === '__clearAttendees') continue;
        if (!OCCURRENCE_FIELDS.has(k as keyof EventFields)) {
          throw new EwsItemError('ErrorInvalidPropertyRequest', `Property ${k} cannot be changed on an occurrence.`);
        }
        overrides[k] = v;
      }
      const inst = ctx.store.updateOccurrence(t.instance.id, overrides);
      return { kind: 'event', id: inst.id, changeKey: inst.changeKey, ev: inst.master };
    }
    const clearAtt = patch.__clearAttendees as string | undefined;
    delete patch.__clearAttendees;
    if (clearAtt && item.kind === 'event')
      patch.attendees = ((patch.attendees as CalendarEvent['attendees'] | undefined) ?? item.attendees).filter(
        (a) => a.type !== clearAtt,
      );
    if (patch.recurrence && item.kind === 'event') fillRangeStart({ ...item, ...patch });
    foldMappedProperties(item.kind, patch);
    let updated: Item = Object.keys(patch).length ? ctx.store.updateItem(item.id, patch as never) : item;
    for (const key of deleteExtended) updated = ctx.store.deleteExtendedProperty(item.id, key);
    if (!Object.keys(patch).length && !deleteExtended.length) updated = ctx.store.updateItem(item.id, {} as never);
    return { kind: updated.kind, id: updated.id, changeKey: updated.changeKey, ev: updated as CalendarEvent };
  });
}

function parseHolder(ctx: EwsContext, current: Item, holder: XNode): { patch: Record<string, unknown>; count: number } {
  const kind = KIND_OF_ELEMENT[holder.name] ?? (holder.name === 'Item' ? current.kind : undefined);
  if (!kind || (kind !== current.kind && holder.name !== 'Item')) {
    throw new EwsItemError(
      'ErrorInvalidPropertySet',
      `A ${holder.name} cannot update a ${ELEMENT_OF_KIND[current.kind]}.`,
    );
  }
  switch (current.kind) {
    case 'event':
      return parseCalendarItem(holder, { contextZone: ctx.contextZone, current });
    case 'contact':
      return parseContact(holder, current);
    case 'distributionList':
      return parseDistributionList(holder);
    case 'task':
      return parseTask(holder, ctx.contextZone);
  }
}

function clearField(current: Item, uri: string, index: string | undefined): Record<string, unknown> {
  switch (current.kind) {
    case 'event':
      return clearCalendarField(uri);
    case 'contact':
      return clearContactField(current, uri, index);
    case 'task':
      return clearTaskField(uri);
    case 'distributionList':
      if (uri === 'distributionlist:Members') return { members: [] };
      throw new EwsItemError('ErrorInvalidPropertyRequest', `Property ${uri} cannot be deleted.`);
  }
}

function appendField(current: Item, uri: string, patch: Record<string, unknown>): Record<string, unknown> {
  if (current.kind === 'event' && patch.attendees) {
    // Appending attendees keeps everyone already invited and adds the new addresses.
    const same = (a: CalendarEvent['attendees'][number], b: CalendarEvent['attendees'][number]) =>
      a.type === b.type && a.emailAddress.address.toLowerCase() === b.emailAddress.address.toLowerCase();
    const added = (patch.attendees as CalendarEvent['attendees']).filter(
      (a) => !current.attendees.some((c) => same(a, c)),
    );
    return { attendees: [...current.attendees, ...added] };
  }
  if (uri === 'item:Body' && 'body' in current && patch.body) {
    const b = patch.body as { content: string };
    return { body: { ...current.body, content: current.body.content + b.content } };
  }
  if (current.kind === 'distributionList' && patch.members) {
    return { members: [...current.members, ...(patch.members as [])] };
  }
  throw new EwsItemError('ErrorInvalidPropertyAppend');
}

/* ------------------------------------------------------------ DeleteItem */

export function deleteItem(ctx: EwsContext, op: XNode): string {
  const name = 'DeleteItem';
  const deleteType = op.attrs.DeleteType;
  if (!deleteType || !['HardDelete', 'SoftDelete', 'MoveToDeletedItems'].includes(deleteType)) {
    throw new EwsFault(
      'ErrorSchemaValidation',
      "The request failed schema validation: The required attribute 'DeleteType' is missing or invalid.",
    );
  }
  const cancellations = op.attrs.SendMeetingCancellations;
  checkMode(cancellations, INVITE_MODES, 'SendMeetingCancellations');
  const affected = op.attrs.AffectedTaskOccurrences;
  if (affected !== undefined && affected !== 'AllOccurrences' && affected !== 'SpecifiedOccurrenceOnly') {
    throw new EwsFault(
      'ErrorSchemaValidation',
      `The request failed schema validation: AffectedTaskOccurrences="${affected}" is invalid.`,
    );
  }
  const ids = requiredList(op, 'ItemIds');
  return operationResponse(
    name,
    ids.map((n) => {
      try {
        const t = resolveItem(ctx, n);
        if (t.item.kind === 'event' && cancellations === undefined)
          throw new EwsItemError('ErrorSendMeetingCancellationsRequired');
        if (t.item.kind === 'task' && affected === undefined)
          throw new EwsItemError('ErrorAffectedTaskOccurrencesRequired');
        if (ewsBehaviour(ctx.sim).deleteChecksChangeKey && t.changeKey !== undefined) {
          if (t.changeKey !== (t.instance?.changeKey ?? t.item.changeKey))
            throw new EwsItemError('ErrorIrresolvableConflict');
        }
        const ev = t.item.kind === 'event' ? t.item : undefined;
        const sendCancel = ev !== undefined && cancellations !== 'SendToNone' && invitesAttendees(ev);
        if (t.instance && t.instance.type !== 'singleInstance') {
          const originalStart = t.instance.originalStart;
          wrapStore(() => ctx.store.deleteOccurrence(t.instance!.id));
          if (sendCancel && ev)
            ctx.store.recordMeetingMail(
              ev,
              'cancellation',
              'ews',
              originalStart !== undefined ? { originalStart } : {},
            );
        } else {
          const inBin = ctx.store.folderByKey(t.item.folderKey)?.kind === 'deleteditems';
          if (sendCancel && ev) ctx.store.recordMeetingMail(ev, 'cancellation', 'ews');
          wrapStore(() =>
            ctx.store.deleteItem(t.item.id, { moveToDeletedItems: deleteType === 'MoveToDeletedItems' && !inBin }),
          );
        }
        return successMessage(name);
      } catch (e) {
        if (e instanceof EwsItemError) return errorMessage(name, e);
        throw e;
      }
    }),
  );
}
