/** Graph `contact` and To Do `todoTask`/`todoTaskList` <-> store. */
import { utcToWall, wallToUtc } from '../recurrence/zoned-time';
import type { ContactInput, TaskInput } from '../store/mailbox-store';
import type { Contact, Folder, PhysicalAddress, Task, TaskStatus } from '../store/types';
import { parseRecurrence, recurrenceJson } from './event-json';
import {
  badRequest,
  etagOf,
  fromDateTimeTimeZone,
  parseExtendedPropertiesInput,
  renderExtendedProperties,
  toDateTimeTimeZone,
} from './wire';

const addr = (a: PhysicalAddress | undefined) => ({
  ...(a?.street ? { street: a.street } : {}),
  ...(a?.city ? { city: a.city } : {}),
  ...(a?.state ? { state: a.state } : {}),
  ...(a?.countryOrRegion ? { countryOrRegion: a.countryOrRegion } : {}),
  ...(a?.postalCode ? { postalCode: a.postalCode } : {}),
});

export function contactJson(
  c: Contact,
  folderGraphId: string,
  extIds?: string[],
  immutable = false,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    '@odata.etag': etagOf(c.changeKey),
    id: immutable ? c.immutableGraphId : c.graphId,
    createdDateTime: new Date(c.createdAt).toISOString(),
    lastModifiedDateTime: new Date(c.lastModifiedAt).toISOString(),
    changeKey: c.changeKey,
    categories: c.categories,
    parentFolderId: folderGraphId,
    birthday: c.birthday ? `${c.birthday}T11:59:00Z` : null,
    fileAs: c.fileAs,
    displayName: c.displayName,
    givenName: c.givenName || null,
    initials: null,
    middleName: c.middleName || null,
    nickName: c.nickName || null,
    surname: c.surname || null,
    title: c.title || null,
    yomiGivenName: null,
    yomiSurname: null,
    yomiCompanyName: null,
    generation: c.generation || null,
    imAddresses: c.imAddresses,
    jobTitle: c.jobTitle || null,
    companyName: c.companyName || null,
    department: c.department || null,
    officeLocation: null,
    profession: c.profession || null,
    businessHomePage: c.businessHomePage || null,
    assistantName: null,
    manager: null,
    homePhones: c.homePhones,
    mobilePhone: c.mobilePhone || null,
    businessPhones: c.businessPhones,
    spouseName: null,
    personalNotes: c.personalNotes,
    children: [],
    emailAddresses: c.emailAddresses.map((e) => ({ name: e.name ?? e.address, address: e.address })),
    homeAddress: addr(c.homeAddress),
    businessAddress: addr(c.businessAddress),
    otherAddress: addr(c.otherAddress),
  };
  if (extIds) out.singleValueExtendedProperties = renderExtendedProperties(c.extendedProperties, extIds);
  return out;
}

function parseAddress(v: unknown): PhysicalAddress | undefined {
  if (v === undefined || v === null) return undefined;
  const a = v as Record<string, unknown>;
  const out: PhysicalAddress = {};
  for (const k of ['street', 'city', 'state', 'postalCode', 'countryOrRegion'] as const) {
    if (typeof a[k] === 'string' && a[k]) out[k] = a[k] as string;
  }
  return out;
}

const strArr = (v: unknown, name: string): string[] => {
  if (!Array.isArray(v)) throw badRequest(`${name} must be an array of strings`);
  return v.map(String);
};

export function parseContactInput(body: Record<string, unknown>): ContactInput {
  if (!body || typeof body !== 'object') throw badRequest('The request body must be a JSON contact');
  const out: ContactInput = {};
  for (const k of [
    'displayName',
    'givenName',
    'middleName',
    'surname',
    'nickName',
    'title',
    'generation',
    'fileAs',
    'mobilePhone',
    'companyName',
    'department',
    'jobTitle',
    'personalNotes',
    'businessHomePage',
    'profession',
  ] as const) {
    if (body[k] !== undefined) out[k] = body[k] === null ? '' : String(body[k]);
  }
  for (const k of ['businessPhones', 'homePhones', 'categories', 'imAddresses'] as const) {
    if (body[k] !== undefined) out[k] = strArr(body[k], k);
  }
  if (body.emailAddresses !== undefined) {
    if (!Array.isArray(body.emailAddresses)) throw badRequest('emailAddresses must be an array');
    out.emailAddresses = body.emailAddresses.map((e: { name?: string; address?: string }) => {
      if (!e?.address) throw badRequest('Each email address needs an address');
      return { address: e.address, ...(e.name ? { name: e.name } : {}) };
    });
    if (out.emailAddresses.length > 3) {
      throw badRequest('A contact can hold at most three email addresses.', 'ErrorInvalidProperty');
    }
  }
  for (const k of ['homeAddress', 'businessAddress', 'otherAddress'] as const) {
    if (body[k] !== undefined) out[k] = parseAddress(body[k]);
  }
  if (body.birthday !== undefined) {
    if (body.birthday === null) out.birthday = undefined;
    else {
      const m = /^(\d{4}-\d{2}-\d{2})/.exec(String(body.birthday));
      if (!m) throw badRequest('birthday must be an ISO date-time');
      out.birthday = m[1]!;
    }
  }
  const ext = parseExtendedPropertiesInput(body.singleValueExtendedProperties);
  if (ext) out.extendedProperties = ext;
  return out;
}

/* ---------------- To Do ---------------- */

export function taskListJson(f: Folder) {
  return {
    '@odata.etag': etagOf(f.changeKey),
    id: f.graphId,
    displayName: f.displayName,
    isOwner: true,
    isShared: false,
    wellknownListName: f.isDefault ? 'defaultList' : 'none',
  };
}

const STATUS = new Set(['notStarted', 'inProgress', 'completed', 'waitingOnOthers', 'deferred']);

export function taskJson(t: Task, extIds?: string[], immutable = false): Record<string, unknown> {
  const zone = { iana: t.timeZone, name: t.timeZone };
  const out: Record<string, unknown> = {
    '@odata.etag': etagOf(t.changeKey),
    id: immutable ? t.immutableGraphId : t.graphId,
    importance: t.importance,
    isReminderOn: t.isReminderOn,
    status: t.status,
    title: t.title,
    createdDateTime: new Date(t.createdAt).toISOString(),
    lastModifiedDateTime: new Date(t.lastModifiedAt).toISOString(),
    hasAttachments: false,
    categories: t.categories,
    body: { content: t.body.content, contentType: t.body.contentType },
  };
  if (t.dueDateTime !== undefined) out.dueDateTime = toDateTimeTimeZone(t.dueDateTime, zone);
  if (t.startDateTime !== undefined) out.startDateTime = toDateTimeTimeZone(t.startDateTime, zone);
  if (t.completedDateTime !== undefined) out.completedDateTime = toDateTimeTimeZone(t.completedDateTime, zone);
  if (t.reminderDateTime !== undefined) out.reminderDateTime = toDateTimeTimeZone(t.reminderDateTime, zone);
  if (t.recurrence) out.recurrence = recurrenceJson(t.recurrence, t.timeZone);
  if (extIds) out.singleValueExtendedProperties = renderExtendedProperties(t.extendedProperties, extIds);
  return out;
}

/**
 * To Do keeps dates, not times, for these: a task's start and due date are midnight in the zone they were written
 * in (MS-OXOTASK 2.2.2.2.4/5), its completion the UTC date at UTC midnight (what Graph reports for To Do app
 * completions). Only the reminder keeps its time.
 */
function taskDate(
  field: 'dueDateTime' | 'startDateTime' | 'completedDateTime' | 'reminderDateTime',
  ms: number,
  zone: string,
) {
  if (field === 'reminderDateTime') return ms;
  if (field === 'completedDateTime') return Math.floor(ms / 86_400_000) * 86_400_000;
  const w = utcToWall(ms, zone);
  return wallToUtc({ year: w.year, month: w.month, day: w.day, hour: 0, minute: 0, second: 0 }, zone);
}

/**
 * To Do ties the completion date to the status: a task that becomes completed without one gets today's (UTC
 * midnight, as To Do reports it), and one that is not completed has none — writing notStarted clears it.
 */
export function withCompletionRule(input: TaskInput, current: Task | undefined, now: number): TaskInput {
  const status = input.status ?? current?.status ?? 'notStarted';
  if (status !== 'completed') return { ...input, completedDateTime: undefined };
  if (input.completedDateTime !== undefined || current?.completedDateTime !== undefined) return input;
  return { ...input, completedDateTime: Math.floor(now / 86_400_000) * 86_400_000 };
}

export function parseTaskInput(body: Record<string, unknown>): TaskInput {
  if (!body || typeof body !== 'object') throw badRequest('The request body must be a JSON todoTask');
  const out: TaskInput = {};
  if (body.title !== undefined) out.title = String(body.title ?? '');
  if (body.body !== undefined) {
    const b = body.body as { content?: string; contentType?: string };
    out.body = {
      content: String(b?.content ?? ''),
      contentType: String(b?.contentType ?? 'text').toLowerCase() === 'html' ? 'html' : 'text',
    };
  }
  if (body.status !== undefined) {
    if (!STATUS.has(String(body.status))) throw badRequest(`Invalid status ${JSON.stringify(body.status)}`);
    out.status = body.status as TaskStatus;
  }
  if (body.importance !== undefined) {
    if (!['low', 'normal', 'high'].includes(String(body.importance))) throw badRequest('Invalid importance');
    out.importance = body.importance as Task['importance'];
  }
  if (body.isReminderOn !== undefined) out.isReminderOn = Boolean(body.isReminderOn);
  if (body.categories !== undefined) out.categories = strArr(body.categories, 'categories');
  for (const k of ['dueDateTime', 'startDateTime', 'completedDateTime', 'reminderDateTime'] as const) {
    if (body[k] === null) out[k] = undefined;
    else if (body[k] !== undefined) {
      const v = fromDateTimeTimeZone(body[k], k);
      out[k] = taskDate(k, v.ms, v.timeZone);
      if (k === 'dueDateTime') out.timeZone = v.timeZone;
    }
  }
  if (body.recurrence !== undefined) {
    out.recurrence = parseRecurrence(body.recurrence, out.dueDateTime ?? 0, out.timeZone ?? 'UTC');
  }
  const ext = parseExtendedPropertiesInput(body.singleValueExtendedProperties);
  if (ext) out.extendedProperties = ext;
  return out;
}
