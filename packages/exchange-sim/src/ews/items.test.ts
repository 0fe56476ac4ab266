import {
  Appointment,
  AppointmentSchema,
  AppointmentType,
  BasePropertySet,
  BodyType,
  CalendarView,
  ConflictResolutionMode,
  ConnectingIdType,
  Contact,
  ContactGroup,
  DateTime,
  DayOfTheWeek,
  DeleteMode,
  EmailAddress,
  EmailAddressKey,
  ExchangeService,
  ExchangeVersion,
  ExtendedPropertyDefinition,
  FolderId,
  Guid,
  ImAddressKey,
  ImpersonatedUserId,
  Importance,
  ItemId,
  ItemSchema,
  ItemView,
  LegacyFreeBusyStatus,
  MapiPropertyType,
  MessageBody,
  PhoneNumberKey,
  PhysicalAddressEntry,
  PhysicalAddressKey,
  PropertySet,
  Recurrence,
  SearchFilter,
  SendCancellationsMode,
  SendInvitationsMode,
  SendInvitationsOrCancellationsMode,
  Sensitivity,
  ServiceError,
  ServiceResult,
  StringList,
  Task,
  TaskStatus,
  TimeZoneInfo,
  Uri,
  WebCredentials,
  WellKnownFolderName,
} from 'ews-javascript-api';
import type { WeeklyPattern } from 'ews-javascript-api/js/ComplexProperties/Recurrence/Patterns/Recurrence.WeeklyPattern';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CalendarEvent, Contact as StoredContact, Task as StoredTask } from '../store/types';
import { configureEws } from './behaviour';
import { ALICE, BOB, type Harness, PASSWORD, rawSoap, startEws, withTimeout } from './test-support';

describe('calendar', () => {
  let h: Harness;
  let svc: ExchangeService;
  const HREF = new ExtendedPropertyDefinition(
    new Guid('c11ff724-aa03-4555-9952-8fa248a11c3e'),
    'NextcloudHref',
    MapiPropertyType.String,
  );
  const hour = 3_600_000;
  const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

  beforeAll(async () => {
    h = await startEws();
    svc = new ExchangeService(ExchangeVersion.Exchange2013_SP1);
    svc.Url = new Uri(h.url);
    svc.Credentials = new WebCredentials('CONTOSO\\svc-sync', PASSWORD);
    svc.ImpersonatedUserId = new ImpersonatedUserId(ConnectingIdType.SmtpAddress, ALICE);
    svc.HttpHeaders.Add('X-AnchorMailbox', ALICE);
  });
  afterAll(() => h.close());

  const FULL = () =>
    new PropertySet(BasePropertySet.FirstClassProperties, [
      AppointmentSchema.ICalUid,
      AppointmentSchema.Recurrence,
      AppointmentSchema.ModifiedOccurrences,
      AppointmentSchema.DeletedOccurrences,
      AppointmentSchema.StartTimeZone,
      AppointmentSchema.EndTimeZone,
      HREF,
    ]);

  const bind = (id: string) => withTimeout(Appointment.Bind(svc, new ItemId(id), FULL()));
  const stored = (id: string) => h.sim.store.getItem(id) as CalendarEvent;

  describe('calendar items through ews-javascript-api', () => {
    it('round-trips every stored property of an appointment unchanged', async () => {
      const a = new Appointment(svc);
      // ews-javascript-api writes string values unescaped (gautamsi/ews-javascript-api#358, #368): callers escape.
      a.Subject = xmlEscape('Quarterly review & more');
      a.Body = new MessageBody(BodyType.HTML, xmlEscape('<p>Agenda &amp; notes</p>'));
      a.Location = xmlEscape('Room 4 <east>');
      a.Start = new DateTime(Date.UTC(2026, 5, 1, 8, 30));
      a.End = new DateTime(Date.UTC(2026, 5, 1, 10));
      a.LegacyFreeBusyStatus = LegacyFreeBusyStatus.Tentative;
      a.Sensitivity = Sensitivity.Private;
      a.Importance = Importance.High;
      a.IsReminderSet = true;
      a.ReminderMinutesBeforeStart = 25;
      a.Categories = new StringList(['Red', 'Project X']);
      a.ICalUid = 'caldav-uid-123@nextcloud';
      a.RequiredAttendees.Add(BOB);
      a.OptionalAttendees.Add('guest@example.com');
      a.SetExtendedProperty(HREF, '/remote.php/dav/calendars/alice/personal/abc.ics');
      await withTimeout(a.Save(WellKnownFolderName.Calendar, SendInvitationsMode.SendToNone));

      const s = stored(a.Id.UniqueId);
      expect(s).toMatchObject({
        subject: 'Quarterly review & more',
        body: { contentType: 'html', content: '<p>Agenda &amp; notes</p>' },
        location: 'Room 4 <east>',
        start: Date.UTC(2026, 5, 1, 8, 30),
        end: Date.UTC(2026, 5, 1, 10),
        showAs: 'tentative',
        sensitivity: 'private',
        importance: 'high',
        isReminderOn: true,
        reminderMinutesBeforeStart: 25,
        categories: ['Red', 'Project X'],
        uid: 'caldav-uid-123@nextcloud',
      });
      expect(s.attendees.map((x) => [x.emailAddress.address, x.type])).toEqual([
        [BOB, 'required'],
        ['guest@example.com', 'optional'],
      ]);

      const b = await bind(a.Id.UniqueId);
      expect(b.Subject).toBe('Quarterly review & more');
      expect(b.Body.BodyType).toBe(BodyType.HTML);
      expect(b.Body.Text).toBe('<p>Agenda &amp; notes</p>');
      expect(b.Location).toBe('Room 4 <east>');
      expect(b.Start.TotalMilliSeconds).toBe(Date.UTC(2026, 5, 1, 8, 30));
      expect(b.End.TotalMilliSeconds).toBe(Date.UTC(2026, 5, 1, 10));
      expect(b.LegacyFreeBusyStatus).toBe(LegacyFreeBusyStatus.Tentative);
      expect(b.Sensitivity).toBe(Sensitivity.Private);
      expect(b.Importance).toBe(Importance.High);
      expect(b.IsReminderSet).toBe(true);
      expect(b.ReminderMinutesBeforeStart).toBe(25);
      expect(b.Categories.GetEnumerator()).toEqual(['Red', 'Project X']);
      expect(b.ICalUid).toBe('caldav-uid-123@nextcloud');
      expect(b.AppointmentType).toBe(AppointmentType.Single);
      expect(b.RequiredAttendees.GetEnumerator().map((x) => x.Address)).toEqual([BOB]);
      expect(b.OptionalAttendees.GetEnumerator().map((x) => x.Address)).toEqual(['guest@example.com']);
      expect(b.Organizer.Address).toBe(ALICE);
      const ext = { outValue: undefined as unknown };
      expect(b.ExtendedProperties.TryGetValue(HREF, ext)).toBe(true);
      expect(ext.outValue).toBe('/remote.php/dav/calendars/alice/personal/abc.ics');
      expect(b.StartTimeZone?.Id).toBe('UTC');
    });

    it('assigns a GlobalObjectId-like UID when the client gives none, and records no mail for SendToNone', async () => {
      const before = h.sim.sentMail().length;
      const a = new Appointment(svc);
      a.Subject = 'no uid';
      a.Start = new DateTime(Date.UTC(2026, 5, 2, 8));
      a.End = new DateTime(Date.UTC(2026, 5, 2, 9));
      a.RequiredAttendees.Add(BOB);
      await withTimeout(a.Save(WellKnownFolderName.Calendar, SendInvitationsMode.SendToNone));
      expect(stored(a.Id.UniqueId).uid).toMatch(/^040000008200E00074C5B7101A82E008[0-9A-F]+$/);
      expect(h.sim.sentMail().length).toBe(before);
    });

    it('records invitations as sent mail when the organizer invites attendees', async () => {
      const a = new Appointment(svc);
      a.Subject = 'invite';
      a.Start = new DateTime(Date.UTC(2026, 5, 3, 8));
      a.End = new DateTime(Date.UTC(2026, 5, 3, 9));
      a.RequiredAttendees.Add(BOB);
      await withTimeout(a.Save(WellKnownFolderName.Calendar, SendInvitationsMode.SendToAllAndSaveCopy));
      expect(h.sim.sentMail({ kind: 'invitation', via: 'ews' }).at(-1)).toMatchObject({
        from: ALICE,
        to: [BOB],
        subject: 'invite',
      });
    });

    it('refuses CreateItem of a calendar item without SendMeetingInvitations', async () => {
      const r = await rawSoap(
        h.url,
        '<m:CreateItem><m:Items><t:CalendarItem><t:Subject>x</t:Subject><t:Start>2026-06-01T08:00:00Z</t:Start><t:End>2026-06-01T09:00:00Z</t:End></t:CalendarItem></m:Items></m:CreateItem>',
      );
      expect(r.body).toContain('<m:ResponseCode>ErrorSendMeetingInvitationsRequired</m:ResponseCode>');
    });

    it('refuses an update with a stale ChangeKey under NeverOverwrite, and returns a new ChangeKey on success', async () => {
      const a = new Appointment(svc);
      a.Subject = 'v1';
      a.Start = new DateTime(Date.UTC(2026, 5, 4, 8));
      a.End = new DateTime(Date.UTC(2026, 5, 4, 9));
      await withTimeout(a.Save(WellKnownFolderName.Calendar, SendInvitationsMode.SendToNone));
      const mine = await bind(a.Id.UniqueId);
      const ck1 = mine.Id.ChangeKey;
      h.sim.store.updateItem(a.Id.UniqueId, { location: 'changed by Outlook' });
      mine.Subject = 'v2';
      await expect(
        withTimeout(mine.Update(ConflictResolutionMode.NeverOverwrite, SendInvitationsOrCancellationsMode.SendToNone)),
      ).rejects.toMatchObject({ ErrorCode: ServiceError.ErrorIrresolvableConflict });
      expect(stored(a.Id.UniqueId).subject).toBe('v1');

      const fresh = await bind(a.Id.UniqueId);
      fresh.Subject = 'v2';
      await withTimeout(
        fresh.Update(ConflictResolutionMode.NeverOverwrite, SendInvitationsOrCancellationsMode.SendToNone),
      );
      expect(fresh.Id.ChangeKey).not.toBe(ck1);
      expect(fresh.Id.ChangeKey).toBe(stored(a.Id.UniqueId).changeKey);
      expect(stored(a.Id.UniqueId)).toMatchObject({ subject: 'v2', location: 'changed by Outlook' });
    });

    it('refuses UpdateItem of a calendar item without SendMeetingInvitationsOrCancellations and an update touching two properties', async () => {
      const ev = h.sim.store.createEvent(h.sim.store.distinguishedFolder(ALICE, 'calendar').id, {
        subject: 's',
        start: Date.UTC(2026, 5, 5, 8),
        end: Date.UTC(2026, 5, 5, 9),
      });
      const set = `<t:SetItemField><t:FieldURI FieldURI="item:Subject"/><t:CalendarItem><t:Subject>n</t:Subject></t:CalendarItem></t:SetItemField>`;
      let r = await rawSoap(
        h.url,
        `<m:UpdateItem ConflictResolution="AlwaysOverwrite"><m:ItemChanges><t:ItemChange><t:ItemId Id="${ev.id}"/><t:Updates>${set}</t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>`,
      );
      expect(r.body).toContain('<m:ResponseCode>ErrorSendMeetingInvitationsOrCancellationsRequired</m:ResponseCode>');
      r = await rawSoap(
        h.url,
        `<m:UpdateItem ConflictResolution="AlwaysOverwrite" SendMeetingInvitationsOrCancellations="SendToNone"><m:ItemChanges><t:ItemChange><t:ItemId Id="${ev.id}"/><t:Updates><t:SetItemField><t:FieldURI FieldURI="item:Subject"/><t:CalendarItem><t:Subject>n</t:Subject><t:Location>l</t:Location></t:CalendarItem></t:SetItemField></t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>`,
      );
      expect(r.body).toContain('<m:ResponseCode>ErrorIncorrectUpdatePropertyCount</m:ResponseCode>');
      expect(stored(ev.id).subject).toBe('s');
    });

    it('round-trips a weekly series with an exception and a deleted occurrence in its time zone', async () => {
      const a = new Appointment(svc);
      a.Subject = 'standup';
      a.StartTimeZone = a.EndTimeZone = undefined as never;
      const start = Date.UTC(2026, 2, 23, 8); // Monday 09:00 Berlin (CET)
      a.Start = new DateTime(start);
      a.End = new DateTime(start + hour / 2);
      const p = new (Recurrence.WeeklyPattern as unknown as typeof WeeklyPattern)(new DateTime(start), 1, [
        DayOfTheWeek.Monday,
      ]);
      p.NumberOfOccurrences = 4;
      a.Recurrence = p;
      await withTimeout(a.Save(WellKnownFolderName.Calendar, SendInvitationsMode.SendToNone));
      const master = stored(a.Id.UniqueId);
      expect(master.recurrence).toMatchObject({
        pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] },
        range: { type: 'numbered', numberOfOccurrences: 4, startDate: '2026-03-23' },
      });
      const [o1, o2] = h.sim.store.instancesOf(master.id, start, start + 30 * 24 * hour);
      h.sim.store.updateOccurrence(o1!.id, { subject: 'moved standup', start: start + hour, end: start + 2 * hour });
      h.sim.store.deleteOccurrence(o2!.id);

      const b = await bind(master.id);
      expect(b.AppointmentType).toBe(AppointmentType.RecurringMaster);
      expect(b.Recurrence).toBeInstanceOf(Recurrence.WeeklyPattern);
      expect((b.Recurrence as WeeklyPattern).DaysOfTheWeek.GetEnumerator()).toEqual([DayOfTheWeek.Monday]);
      expect(b.Recurrence.NumberOfOccurrences).toBe(4);
      expect(b.ModifiedOccurrences.Count).toBe(1);
      expect(b.ModifiedOccurrences.GetEnumerator()[0]?.OriginalStart.TotalMilliSeconds).toBe(start);
      expect(b.ModifiedOccurrences.GetEnumerator()[0]?.Start.TotalMilliSeconds).toBe(start + hour);
      expect(b.DeletedOccurrences.Count).toBe(1);
      expect(b.DeletedOccurrences.GetEnumerator()[0]?.OriginalStart.TotalMilliSeconds).toBe(start + 7 * 24 * hour);
    });

    it('returns full StartTimeZone definitions that ews-javascript-api parses', async () => {
      const ev = h.sim.store.createEvent(h.sim.store.distinguishedFolder(ALICE, 'calendar').id, {
        subject: 'berlin',
        start: Date.UTC(2026, 6, 1, 7),
        end: Date.UTC(2026, 6, 1, 8),
        timeZone: 'Europe/Berlin',
      });
      const b = await bind(ev.id);
      expect(b.StartTimeZone?.Id).toBe('W. Europe Standard Time');
      expect(b.EndTimeZone?.Id).toBe('W. Europe Standard Time');
    });

    it('edits an occurrence through UpdateItem: the exception is stored and the master reports it', async () => {
      const start = Date.UTC(2026, 8, 7, 9);
      const master = h.sim.store.createEvent(h.sim.store.distinguishedFolder(ALICE, 'calendar').id, {
        subject: 'daily',
        start,
        end: start + hour,
        recurrence: {
          pattern: { type: 'daily', interval: 1 },
          range: { type: 'numbered', startDate: '2026-09-07', numberOfOccurrences: 3 },
        },
      });
      const occ = await withTimeout(Appointment.BindToOccurrence(svc, new ItemId(master.id), 2));
      expect(occ.AppointmentType).toBe(AppointmentType.Occurrence);
      occ.Subject = 'daily (moved)';
      await withTimeout(occ.Update(ConflictResolutionMode.AutoResolve, SendInvitationsOrCancellationsMode.SendToNone));
      const ex = [...stored(master.id).exceptions.values()];
      expect(ex).toHaveLength(1);
      expect(ex[0]).toMatchObject({ originalStart: start + 24 * hour, overrides: { subject: 'daily (moved)' } });
    });

    it('deletes an occurrence into the master DeletedOccurrences and the series with a cancellation', async () => {
      const start = Date.UTC(2026, 9, 5, 9);
      const master = h.sim.store.createEvent(h.sim.store.distinguishedFolder(ALICE, 'calendar').id, {
        subject: 'weekly meeting',
        start,
        end: start + hour,
        attendees: [{ emailAddress: { address: BOB }, type: 'required', status: { response: 'none' } }],
        recurrence: {
          pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] },
          range: { type: 'noEnd', startDate: '2026-10-05' },
        },
      });
      const occ = await withTimeout(Appointment.BindToOccurrence(svc, new ItemId(master.id), 3));
      await withTimeout(occ.Delete(DeleteMode.MoveToDeletedItems, SendCancellationsMode.SendToNone));
      expect([...stored(master.id).deletedOccurrences]).toEqual([start + 14 * 24 * hour]);
      const m = await bind(master.id);
      await withTimeout(m.Delete(DeleteMode.MoveToDeletedItems, SendCancellationsMode.SendToAllAndSaveCopy));
      expect(
        h.sim.store.listItems(h.sim.store.distinguishedFolder(ALICE, 'calendar').id).some((i) => i.id === master.id),
      ).toBe(false);
      expect(h.sim.sentMail({ kind: 'cancellation' }).at(-1)).toMatchObject({ to: [BOB], subject: 'weekly meeting' });
    });

    it('refuses DeleteItem without DeleteType (fault) and a calendar delete without SendMeetingCancellations', async () => {
      const ev = h.sim.store.createEvent(h.sim.store.distinguishedFolder(ALICE, 'calendar').id, {
        subject: 'd',
        start: Date.UTC(2026, 5, 6, 8),
        end: Date.UTC(2026, 5, 6, 9),
      });
      let r = await rawSoap(h.url, `<m:DeleteItem><m:ItemIds><t:ItemId Id="${ev.id}"/></m:ItemIds></m:DeleteItem>`);
      expect(r.status).toBe(500);
      expect(r.body).toContain('a:ErrorSchemaValidation');
      r = await rawSoap(
        h.url,
        `<m:DeleteItem DeleteType="HardDelete"><m:ItemIds><t:ItemId Id="${ev.id}"/></m:ItemIds></m:DeleteItem>`,
      );
      expect(r.body).toContain('<m:ResponseCode>ErrorSendMeetingCancellationsRequired</m:ResponseCode>');
      expect(h.sim.store.findItem(ev.id)).toBeDefined();
    });

    it('an in-band ErrorServerBusy answers every id of a batch', async () => {
      const cal = h.sim.store.distinguishedFolder(ALICE, 'calendar').id;
      const ids = [0, 1, 2].map((i) => h.sim.store.createEvent(cal, { subject: `b${i}`, start: 0, end: 1 }).id);
      h.sim.injectFault(
        { face: 'ews', operation: 'GetItem' },
        { kind: 'ewsServerBusy', channel: 'inBand', backOffMs: 1000 },
      );
      const res = await withTimeout(
        svc.BindToItems(
          ids.map((i) => new ItemId(i)),
          new PropertySet(BasePropertySet.IdOnly),
        ),
      );
      expect(res.Responses.map((r) => r.ErrorCode)).toEqual([
        ServiceError.ErrorServerBusy,
        ServiceError.ErrorServerBusy,
        ServiceError.ErrorServerBusy,
      ]);
    });

    it('GetItem answers one message per id in order, with ErrorItemNotFound for a missing one', async () => {
      const cal = h.sim.store.distinguishedFolder(ALICE, 'calendar').id;
      const e1 = h.sim.store.createEvent(cal, {
        subject: 'one',
        start: Date.UTC(2026, 7, 1, 8),
        end: Date.UTC(2026, 7, 1, 9),
      });
      const gone = h.sim.store.createEvent(cal, {
        subject: 'gone',
        start: Date.UTC(2026, 7, 1, 8),
        end: Date.UTC(2026, 7, 1, 9),
      });
      h.sim.store.deleteItem(gone.id);
      const e2 = h.sim.store.createEvent(cal, {
        subject: 'two',
        start: Date.UTC(2026, 7, 1, 8),
        end: Date.UTC(2026, 7, 1, 9),
      });
      const res = await withTimeout(
        svc.BindToItems(
          [new ItemId(e1.id), new ItemId(gone.id), new ItemId(e2.id)],
          new PropertySet(BasePropertySet.FirstClassProperties),
        ),
      );
      const out = res.Responses.map((r) => [r.Result, r.ErrorCode, r.Item?.Subject]);
      expect(out).toEqual([
        [ServiceResult.Success, ServiceError.NoError, 'one'],
        [ServiceResult.Error, ServiceError.ErrorItemNotFound, undefined],
        [ServiceResult.Success, ServiceError.NoError, 'two'],
      ]);
    });

    it('exports MimeContent as base64 iCalendar', async () => {
      const ev = h.sim.store.createEvent(h.sim.store.distinguishedFolder(ALICE, 'calendar').id, {
        subject: 'mime me',
        uid: 'mime-uid-1',
        start: Date.UTC(2026, 7, 2, 8),
        end: Date.UTC(2026, 7, 2, 9),
      });
      const b = await withTimeout(
        Appointment.Bind(svc, new ItemId(ev.id), new PropertySet(BasePropertySet.IdOnly, [ItemSchema.MimeContent])),
      );
      const ics = Buffer.from(b.MimeContent.Content as unknown as string, 'base64').toString('utf8');
      expect(ics).toContain('BEGIN:VCALENDAR');
      expect(ics).toContain('UID:mime-uid-1');
      expect(ics).toContain('SUMMARY:mime me');
      // Exchange names the zone (UTC included) by its Windows id and defines it in a VTIMEZONE.
      expect(ics).toContain('DTSTART;TZID=UTC:20260802T080000');
      expect(ics).toMatch(/BEGIN:VTIMEZONE\r\nTZID:UTC\r\n/);
    });
  });

  describe('more calendar semantics', () => {
    it('appends an attendee with AppendToItemField and records the update mail only when asked to send', async () => {
      const ev = h.sim.store.createEvent(h.sim.store.distinguishedFolder(ALICE, 'calendar').id, {
        subject: 'grow',
        start: 0,
        end: 1,
        attendees: [{ emailAddress: { address: BOB }, type: 'required', status: { response: 'none' } }],
      });
      const append = (mode: string, who: string) =>
        rawSoap(
          h.url,
          `<m:UpdateItem ConflictResolution="AlwaysOverwrite" SendMeetingInvitationsOrCancellations="${mode}"><m:ItemChanges><t:ItemChange><t:ItemId Id="${ev.id}"/><t:Updates><t:AppendToItemField><t:FieldURI FieldURI="calendar:RequiredAttendees"/><t:CalendarItem><t:RequiredAttendees><t:Attendee><t:Mailbox><t:EmailAddress>${who}</t:EmailAddress></t:Mailbox></t:Attendee></t:RequiredAttendees></t:CalendarItem></t:AppendToItemField></t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>`,
        );
      const before = h.sim.sentMail().length;
      expect((await append('SendToNone', 'dan@example.com')).body).toContain('ResponseClass="Success"');
      expect(h.sim.sentMail().length).toBe(before);
      expect((await append('SendToAllAndSaveCopy', 'eva@example.com')).body).toContain('ResponseClass="Success"');
      expect(stored(ev.id).attendees.map((a) => a.emailAddress.address)).toEqual([
        BOB,
        'dan@example.com',
        'eva@example.com',
      ]);
      expect(h.sim.sentMail({ kind: 'update' }).at(-1)).toMatchObject({
        subject: 'grow',
        to: [BOB, 'dan@example.com', 'eva@example.com'],
      });
    });

    it('keeps the StartTimeZone a client sets, so the series expands in that zone across DST', async () => {
      const a = new Appointment(svc);
      a.Subject = 'berlin weekly';
      a.StartTimeZone = TimeZoneInfo.FindSystemTimeZoneById('W. Europe Standard Time');
      a.EndTimeZone = TimeZoneInfo.FindSystemTimeZoneById('W. Europe Standard Time');
      const start = Date.UTC(2026, 2, 23, 8); // Monday 09:00 CET
      a.Start = new DateTime(start);
      a.End = new DateTime(start + hour);
      const p = new (Recurrence.WeeklyPattern as unknown as typeof WeeklyPattern)(new DateTime(start), 1, [
        DayOfTheWeek.Monday,
      ]);
      p.NumberOfOccurrences = 2;
      a.Recurrence = p;
      await withTimeout(a.Save(WellKnownFolderName.Calendar, SendInvitationsMode.SendToNone));
      const s = stored(a.Id.UniqueId);
      expect(s.timeZone).toBe('Europe/Berlin');
      expect(s.start).toBe(start);
      // 30 March is after the switch to CEST: still 09:00 local, so 07:00 UTC.
      expect(h.sim.store.instancesOf(s.id, start, start + 10 * 24 * hour).map((i) => i.fields.start)).toEqual([
        start,
        Date.UTC(2026, 2, 30, 7),
      ]);
    });

    it('converts the body to the BodyType the shape asks for', async () => {
      const ev = h.sim.store.createEvent(h.sim.store.distinguishedFolder(ALICE, 'calendar').id, {
        subject: 'html body',
        start: 0,
        end: 1,
        body: {
          contentType: 'html',
          content: '<html><body><p>Hello &amp; welcome</p><p>Line&nbsp;2</p></body></html>',
        },
      });
      const ps = new PropertySet(BasePropertySet.FirstClassProperties);
      ps.RequestedBodyType = BodyType.Text;
      const asText = await withTimeout(Appointment.Bind(svc, new ItemId(ev.id), ps));
      expect(asText.Body.BodyType).toBe(BodyType.Text);
      expect(asText.Body.Text).toBe('Hello & welcome\nLine 2');
      const asIs = await bind(ev.id);
      expect(asIs.Body.BodyType).toBe(BodyType.HTML);
    });

    it('FindItem filters by an extended property (finding our own marker again)', async () => {
      const f = h.sim.store.createFolder(ALICE, { kind: 'calendar', displayName: 'marker-find' });
      const mark = (value: string) => [
        { propertySetId: 'c11ff724-aa03-4555-9952-8fa248a11c3e', name: 'NextcloudHref', type: 'String', value },
      ];
      const hit = h.sim.store.createEvent(f.id, {
        subject: 'hit',
        start: 0,
        end: 1,
        extendedProperties: mark('/dav/a.ics'),
      });
      h.sim.store.createEvent(f.id, { subject: 'other', start: 0, end: 1, extendedProperties: mark('/dav/b.ics') });
      h.sim.store.createEvent(f.id, { subject: 'unmarked', start: 0, end: 1 });
      const res = await withTimeout(
        svc.FindItems(new FolderId(f.id), new SearchFilter.IsEqualTo(HREF, '/dav/a.ics'), new ItemView(10)),
      );
      expect(res.Items.map((i) => i.Id.UniqueId)).toEqual([hit.id]);
      const exists = await withTimeout(
        svc.FindItems(new FolderId(f.id), new SearchFilter.Exists(HREF), new ItemView(10)),
      );
      expect(exists.TotalCount).toBe(2);
    });

    const cal = () => h.sim.store.distinguishedFolder(ALICE, 'calendar').id;
    const setSubject = (id: string, changeKey: string, mode: string, subject: string) =>
      rawSoap(
        h.url,
        `<m:UpdateItem ConflictResolution="${mode}" SendMeetingInvitationsOrCancellations="SendToNone"><m:ItemChanges><t:ItemChange><t:ItemId Id="${id}" ChangeKey="${changeKey}"/><t:Updates><t:SetItemField><t:FieldURI FieldURI="item:Subject"/><t:CalendarItem><t:Subject>${subject}</t:Subject></t:CalendarItem></t:SetItemField></t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>`,
      );

    it('AutoResolve with a stale ChangeKey overwrites and reports the conflict; AlwaysOverwrite overwrites silently', async () => {
      const ev = h.sim.store.createEvent(cal(), {
        subject: 'a',
        start: Date.UTC(2026, 4, 1, 8),
        end: Date.UTC(2026, 4, 1, 9),
      });
      const stale = ev.changeKey;
      h.sim.store.updateItem(ev.id, { location: 'elsewhere' });
      let r = await setSubject(ev.id, stale, 'AutoResolve', 'b');
      expect(r.body).toContain('<m:ConflictResults><t:Count>1</t:Count></m:ConflictResults>');
      expect(stored(ev.id).subject).toBe('b');
      expect(r.body).toContain(`ChangeKey="${stored(ev.id).changeKey}"`);
      r = await setSubject(ev.id, stale, 'AlwaysOverwrite', 'c');
      expect(r.body).toContain('<m:ConflictResults><t:Count>0</t:Count></m:ConflictResults>');
      expect(stored(ev.id).subject).toBe('c');
      configureEws(h.sim, { autoResolveStale: 'refuse' });
      try {
        r = await setSubject(ev.id, stale, 'AutoResolve', 'd');
        expect(r.body).toContain('<m:ResponseCode>ErrorIrresolvableConflict</m:ResponseCode>');
        expect(stored(ev.id).subject).toBe('c');
      } finally {
        configureEws(h.sim, { autoResolveStale: 'overwrite' });
      }
    });

    it('binds the recurring master from an occurrence id (RecurringMasterItemId)', async () => {
      const start = Date.UTC(2026, 10, 2, 9);
      const master = h.sim.store.createEvent(cal(), {
        subject: 'series',
        start,
        end: start + hour,
        recurrence: {
          pattern: { type: 'daily', interval: 2 },
          range: { type: 'endDate', startDate: '2026-11-02', endDate: '2026-11-30' },
        },
      });
      const occ = h.sim.store.instancesOf(master.id, start, start + 10 * 24 * hour)[2]!;
      const m = await withTimeout(Appointment.BindToRecurringMaster(svc, new ItemId(occ.id)));
      expect(m.Id.UniqueId).toBe(master.id);
      expect(m.AppointmentType).toBe(AppointmentType.RecurringMaster);
    });

    it('FindItem without a CalendarView lists masters and singles, not occurrences', async () => {
      const f = h.sim.store.createFolder(ALICE, { kind: 'calendar', displayName: 'plain-find' });
      const start = Date.UTC(2026, 0, 5, 9);
      const master = h.sim.store.createEvent(f.id, {
        subject: 'series',
        start,
        end: start + hour,
        recurrence: {
          pattern: { type: 'daily', interval: 1 },
          range: { type: 'numbered', startDate: '2026-01-05', numberOfOccurrences: 5 },
        },
      });
      const single = h.sim.store.createEvent(f.id, { subject: 'single', start, end: start + hour });
      const res = await withTimeout(svc.FindItems(new FolderId(f.id), new ItemView(50)));
      expect(res.Items.map((i) => i.Id.UniqueId).sort()).toEqual([master.id, single.id].sort());
      expect(res.TotalCount).toBe(2);
    });

    it('imports a VEVENT from MimeContent, a meeting with its attendees too', async () => {
      const ics = [
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        'BEGIN:VEVENT',
        'UID:from-mime-1',
        'SUMMARY:Imported',
        'DTSTART;TZID=W. Europe Standard Time:20260601T090000',
        'DTEND;TZID=W. Europe Standard Time:20260601T100000',
        'END:VEVENT',
        'END:VCALENDAR',
        '',
      ].join('\r\n');
      const create = (text: string) =>
        rawSoap(
          h.url,
          `<m:CreateItem SendMeetingInvitations="SendToNone"><m:SavedItemFolderId><t:DistinguishedFolderId Id="calendar"/></m:SavedItemFolderId><m:Items><t:CalendarItem><t:MimeContent CharacterSet="UTF-8">${Buffer.from(text).toString('base64')}</t:MimeContent></t:CalendarItem></m:Items></m:CreateItem>`,
        );
      const r = await create(ics);
      const id = /<t:ItemId Id="([^"]+)"/.exec(r.body)?.[1];
      expect(id).toBeDefined();
      expect(stored(id!)).toMatchObject({
        uid: 'from-mime-1',
        subject: 'Imported',
        start: Date.UTC(2026, 5, 1, 7),
        timeZone: 'Europe/Berlin',
      });
      const meeting = ics
        .replace('UID:from-mime-1', 'UID:from-mime-2')
        .replace('SUMMARY:Imported', 'SUMMARY:Meeting\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:bob@contoso.com');
      const m = await create(meeting);
      const meetingId = /<t:ItemId Id="([^"]+)"/.exec(m.body)?.[1];
      expect(stored(meetingId!)).toMatchObject({
        subject: 'Meeting',
        attendees: [{ emailAddress: { address: 'bob@contoso.com' }, status: { response: 'accepted' } }],
      });
      const unparsable = ics.replace('DTSTART;TZID=W. Europe Standard Time:20260601T090000', 'DTSTART:tomorrow');
      expect((await create(unparsable)).body).toContain(
        '<m:ResponseCode>ErrorMimeContentConversionFailed</m:ResponseCode>',
      );
    });

    it('answers ErrorCalendarOccurrenceIsDeletedFromRecurrence for a deleted occurrence index', async () => {
      const start = Date.UTC(2026, 11, 1, 9);
      const master = h.sim.store.createEvent(cal(), {
        subject: 'with gap',
        start,
        end: start + hour,
        recurrence: {
          pattern: { type: 'daily', interval: 1 },
          range: { type: 'numbered', startDate: '2026-12-01', numberOfOccurrences: 3 },
        },
      });
      h.sim.store.deleteOccurrence(h.sim.store.instancesOf(master.id, start, start + 5 * 24 * hour)[1]!.id);
      await expect(withTimeout(Appointment.BindToOccurrence(svc, new ItemId(master.id), 2))).rejects.toMatchObject({
        ErrorCode: ServiceError.ErrorCalendarOccurrenceIsDeletedFromRecurrence,
      });
      await expect(withTimeout(Appointment.BindToOccurrence(svc, new ItemId(master.id), 9))).rejects.toMatchObject({
        ErrorCode: ServiceError.ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange,
      });
    });
  });

  describe('FindItem with CalendarView', () => {
    it('expands a series into occurrences and exceptions in the window, never the master', async () => {
      const cal = h.sim.store.createFolder(ALICE, { kind: 'calendar', displayName: 'view-test' });
      const start = Date.UTC(2026, 0, 5, 9);
      const master = h.sim.store.createEvent(cal.id, {
        subject: 'series',
        start,
        end: start + hour,
        recurrence: {
          pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] },
          range: { type: 'numbered', startDate: '2026-01-05', numberOfOccurrences: 10 },
        },
      });
      const single = h.sim.store.createEvent(cal.id, {
        subject: 'single',
        start: start + 2 * 24 * hour,
        end: start + 2 * 24 * hour + hour,
      });
      const insts = h.sim.store.instancesOf(master.id, start, start + 365 * 24 * hour);
      h.sim.store.updateOccurrence(insts[1]!.id, { subject: 'exception' });
      const view = new CalendarView(new DateTime(start), new DateTime(start + 21 * 24 * hour));
      view.PropertySet = new PropertySet(BasePropertySet.IdOnly, [
        AppointmentSchema.Subject,
        AppointmentSchema.Start,
        AppointmentSchema.AppointmentType,
        AppointmentSchema.ICalRecurrenceId,
      ]);
      const res = await withTimeout(svc.FindAppointments(new FolderId(cal.id), view));
      const got = res.Items.map((i) => [i.Subject, AppointmentType[i.AppointmentType]]);
      expect(got).toEqual([
        ['series', 'Occurrence'],
        ['single', 'Single'],
        ['exception', 'Exception'],
        ['series', 'Occurrence'],
      ]);
      expect(res.Items[0]?.ICalRecurrenceId.TotalMilliSeconds).toBe(start);
      expect(res.Items.some((i) => i.Id.UniqueId === master.id)).toBe(false);
      // an occurrence id from the view is accepted by GetItem
      const occ = await bind(res.Items[3]!.Id.UniqueId);
      expect(occ.AppointmentType).toBe(AppointmentType.Occurrence);
      expect(occ.Start.TotalMilliSeconds).toBe(start + 14 * 24 * hour);
      const ex = await withTimeout(
        Appointment.Bind(
          svc,
          res.Items[2]!.Id,
          new PropertySet(BasePropertySet.IdOnly, [AppointmentSchema.OriginalStart]),
        ),
      );
      expect(ex.OriginalStart.TotalMilliSeconds).toBe(start + 7 * 24 * hour);
      void single;
    });

    it('truncates at MaxEntriesReturned with the true TotalItemsInView and IncludesLastItemInRange=false', async () => {
      const cal = h.sim.store.createFolder(ALICE, { kind: 'calendar', displayName: 'trunc-test' });
      const start = Date.UTC(2026, 0, 5, 9);
      h.sim.store.createEvent(cal.id, {
        subject: 'daily',
        start,
        end: start + hour,
        recurrence: {
          pattern: { type: 'daily', interval: 1 },
          range: { type: 'numbered', startDate: '2026-01-05', numberOfOccurrences: 33 },
        },
      });
      const view = new CalendarView(new DateTime(start), new DateTime(start + 60 * 24 * hour), 5);
      const res = await withTimeout(svc.FindAppointments(new FolderId(cal.id), view));
      expect(res.Items).toHaveLength(5);
      expect(res.TotalCount).toBe(33);
      expect(res.MoreAvailable).toBe(true);
    });

    it('counts an item that overlaps the window edge and refuses windows over two years', async () => {
      const cal = h.sim.store.createFolder(ALICE, { kind: 'calendar', displayName: 'edge-test' });
      const t = Date.UTC(2026, 3, 1, 23);
      h.sim.store.createEvent(cal.id, { subject: 'overnight', start: t, end: t + 2 * hour });
      h.sim.store.createEvent(cal.id, { subject: 'ends at start', start: t - hour, end: Date.UTC(2026, 3, 2) });
      const res = await withTimeout(
        svc.FindAppointments(
          new FolderId(cal.id),
          new CalendarView(new DateTime(Date.UTC(2026, 3, 2)), new DateTime(Date.UTC(2026, 3, 3))),
        ),
      );
      expect(res.Items.map((i) => i.Subject)).toEqual(['overnight']);
      await expect(
        withTimeout(
          svc.FindAppointments(
            new FolderId(cal.id),
            new CalendarView(new DateTime(Date.UTC(2026, 0, 1)), new DateTime(Date.UTC(2028, 6, 1))),
          ),
        ),
      ).rejects.toMatchObject({ ErrorCode: ServiceError.ErrorCalendarViewRangeTooBig });
    });
  });
});

describe('contacts and tasks', () => {
  let h: Harness;
  let svc: ExchangeService;
  const MARK = new ExtendedPropertyDefinition(
    new Guid('c11ff724-aa03-4555-9952-8fa248a11c3e'),
    'ExsyncId',
    MapiPropertyType.String,
  );

  beforeAll(async () => {
    h = await startEws();
    svc = new ExchangeService(ExchangeVersion.Exchange2013_SP1);
    svc.Url = new Uri(h.url);
    svc.Credentials = new WebCredentials('CONTOSO\\svc-sync', PASSWORD);
    svc.ImpersonatedUserId = new ImpersonatedUserId(ConnectingIdType.SmtpAddress, ALICE);
    svc.HttpHeaders.Add('X-AnchorMailbox', ALICE);
  });
  afterAll(() => h.close());

  const props = () => new PropertySet(BasePropertySet.FirstClassProperties, [MARK]);

  describe('contacts through ews-javascript-api', () => {
    it('stores a BusinessFax (a valid PhoneNumberKey) and the other EWS-only phone slots, and clears them', async () => {
      const c = new Contact(svc);
      c.DisplayName = 'Fax Owner';
      c.PhoneNumbers._setItem(PhoneNumberKey.BusinessPhone, '+49 30 1234');
      c.PhoneNumbers._setItem(PhoneNumberKey.BusinessFax, '+49 30 1235');
      c.PhoneNumbers._setItem(PhoneNumberKey.Pager, '+49 30 1236');
      await withTimeout(c.Save(WellKnownFolderName.Contacts));
      const s = h.sim.store.getItem(c.Id.UniqueId) as StoredContact;
      expect(s).toMatchObject({
        businessPhones: ['+49 30 1234'],
        ewsOnlyPhones: { BusinessFax: '+49 30 1235', Pager: '+49 30 1236' },
      });
      const b = await withTimeout(Contact.Bind(svc, new ItemId(c.Id.UniqueId), props()));
      expect(b.PhoneNumbers._getItem(PhoneNumberKey.BusinessFax)).toBe('+49 30 1235');
      expect(b.PhoneNumbers._getItem(PhoneNumberKey.Pager)).toBe('+49 30 1236');
      b.PhoneNumbers._setItem(PhoneNumberKey.BusinessFax, null as never);
      await withTimeout(b.Update(ConflictResolutionMode.AlwaysOverwrite));
      expect((h.sim.store.getItem(c.Id.UniqueId) as StoredContact).ewsOnlyPhones).toEqual({ Pager: '+49 30 1236' });
    });

    it('refuses a phone key outside t:PhoneNumberKeyType with ErrorSchemaValidation', async () => {
      const folder = h.sim.store.distinguishedFolder(ALICE, 'contacts').id;
      const body = `<m:CreateItem><m:SavedItemFolderId><t:FolderId Id="${folder}"/></m:SavedItemFolderId><m:Items><t:Contact><t:PhoneNumbers><t:Entry Key="SatellitePhone">1</t:Entry></t:PhoneNumbers></t:Contact></m:Items></m:CreateItem>`;
      const r = await rawSoap(h.url, body);
      expect(r.body).toContain('ErrorSchemaValidation');
    });

    it('round-trips every stored property of a contact unchanged', async () => {
      const c = new Contact(svc);
      c.GivenName = 'Dora';
      c.MiddleName = 'M';
      c.Surname = 'Explorer';
      c.NickName = 'Dee';
      c.DisplayName = 'Dora Explorer';
      c.FileAs = 'Explorer, Dora';
      c.CompanyName = 'Maps Inc';
      c.Department = 'Field';
      c.JobTitle = 'Scout';
      c.Generation = 'Jr.';
      c.BusinessHomePage = 'https://example.com/dora';
      c.Birthday = new DateTime(Date.UTC(1990, 4, 17));
      c.Body = new MessageBody(BodyType.Text, 'likes maps');
      c.Categories = new StringList(['Friends']);
      c.EmailAddresses._setItem(EmailAddressKey.EmailAddress1, new EmailAddress('dora@example.com'));
      c.EmailAddresses._setItem(EmailAddressKey.EmailAddress2, new EmailAddress('dora@work.example'));
      c.PhoneNumbers._setItem(PhoneNumberKey.BusinessPhone, '+49 30 1234');
      c.PhoneNumbers._setItem(PhoneNumberKey.HomePhone, '+49 30 5678');
      c.PhoneNumbers._setItem(PhoneNumberKey.MobilePhone, '+49 170 999');
      c.ImAddresses._setItem(ImAddressKey.ImAddress1, 'xmpp:dora@example.com');
      const home = new PhysicalAddressEntry();
      home.Street = 'Main St 1';
      home.City = 'Berlin';
      home.State = 'BE';
      home.PostalCode = '10115';
      home.CountryOrRegion = 'Germany';
      c.PhysicalAddresses._setItem(PhysicalAddressKey.Home, home);
      c.SetExtendedProperty(MARK, 'row-42');
      await withTimeout(c.Save(WellKnownFolderName.Contacts));

      const s = h.sim.store.getItem(c.Id.UniqueId) as StoredContact;
      expect(s).toMatchObject({
        givenName: 'Dora',
        middleName: 'M',
        surname: 'Explorer',
        nickName: 'Dee',
        displayName: 'Dora Explorer',
        fileAs: 'Explorer, Dora',
        companyName: 'Maps Inc',
        department: 'Field',
        jobTitle: 'Scout',
        generation: 'Jr.',
        businessHomePage: 'https://example.com/dora',
        birthday: '1990-05-17',
        personalNotes: 'likes maps',
        categories: ['Friends'],
        emailAddresses: [{ address: 'dora@example.com' }, { address: 'dora@work.example' }],
        businessPhones: ['+49 30 1234'],
        homePhones: ['+49 30 5678'],
        mobilePhone: '+49 170 999',
        imAddresses: ['xmpp:dora@example.com'],
        homeAddress: {
          street: 'Main St 1',
          city: 'Berlin',
          state: 'BE',
          postalCode: '10115',
          countryOrRegion: 'Germany',
        },
      });

      const b = await withTimeout(Contact.Bind(svc, new ItemId(c.Id.UniqueId), props()));
      expect([b.GivenName, b.MiddleName, b.Surname, b.NickName, b.DisplayName, b.FileAs]).toEqual([
        'Dora',
        'M',
        'Explorer',
        'Dee',
        'Dora Explorer',
        'Explorer, Dora',
      ]);
      expect([b.CompanyName, b.Department, b.JobTitle, b.Generation, b.BusinessHomePage]).toEqual([
        'Maps Inc',
        'Field',
        'Scout',
        'Jr.',
        'https://example.com/dora',
      ]);
      expect(b.Birthday.TotalMilliSeconds).toBe(Date.UTC(1990, 4, 17));
      expect(b.Body.Text).toBe('likes maps');
      expect(b.Categories.GetEnumerator()).toEqual(['Friends']);
      expect(b.EmailAddresses._getItem(EmailAddressKey.EmailAddress1).Address).toBe('dora@example.com');
      expect(b.EmailAddresses._getItem(EmailAddressKey.EmailAddress2).Address).toBe('dora@work.example');
      expect(b.PhoneNumbers._getItem(PhoneNumberKey.BusinessPhone)).toBe('+49 30 1234');
      expect(b.PhoneNumbers._getItem(PhoneNumberKey.HomePhone)).toBe('+49 30 5678');
      expect(b.PhoneNumbers._getItem(PhoneNumberKey.MobilePhone)).toBe('+49 170 999');
      expect(b.ImAddresses._getItem(ImAddressKey.ImAddress1)).toBe('xmpp:dora@example.com');
      const addr = b.PhysicalAddresses._getItem(PhysicalAddressKey.Home);
      expect([addr.Street, addr.City, addr.State, addr.PostalCode, addr.CountryOrRegion]).toEqual([
        'Main St 1',
        'Berlin',
        'BE',
        '10115',
        'Germany',
      ]);
      const out = { outValue: undefined as unknown };
      expect(b.ExtendedProperties.TryGetValue(MARK, out)).toBe(true);
      expect(out.outValue).toBe('row-42');
    });

    it('updates one e-mail slot through an IndexedFieldURI and keeps the others', async () => {
      const stored = h.sim.store.createContact(h.sim.store.distinguishedFolder(ALICE, 'contacts').id, {
        givenName: 'Eve',
        emailAddresses: [{ address: 'eve@one.example' }, { address: 'eve@two.example' }],
      });
      const b = await withTimeout(Contact.Bind(svc, new ItemId(stored.id), props()));
      b.EmailAddresses._setItem(EmailAddressKey.EmailAddress2, new EmailAddress('eve@new.example'));
      await withTimeout(b.Update(ConflictResolutionMode.NeverOverwrite));
      expect((h.sim.store.getItem(stored.id) as StoredContact).emailAddresses.map((e) => e.address)).toEqual([
        'eve@one.example',
        'eve@new.example',
      ]);
    });

    it('reads distribution lists as contact groups with their members', async () => {
      const dl = h.sim.store.createDistributionList(h.sim.store.distinguishedFolder(ALICE, 'contacts').id, {
        displayName: 'Book club',
        members: [{ name: 'Ann', address: 'ann@example.com' }, { address: 'ben@example.com' }],
      });
      const g = await withTimeout(ContactGroup.Bind(svc, new ItemId(dl.id)));
      expect(g.DisplayName).toBe('Book club');
      expect(g.Members.GetEnumerator().map((m) => m.AddressInformation.Address)).toEqual([
        'ann@example.com',
        'ben@example.com',
      ]);
    });

    it('exports MimeContent of a contact as a vCard', async () => {
      const stored = h.sim.store.createContact(h.sim.store.distinguishedFolder(ALICE, 'contacts').id, {
        givenName: 'Vic',
        surname: 'Card',
        emailAddresses: [{ address: 'vic@example.com' }],
      });
      const b = await withTimeout(
        Contact.Bind(svc, new ItemId(stored.id), new PropertySet(BasePropertySet.IdOnly, [ItemSchema.MimeContent])),
      );
      const vcf = Buffer.from(b.MimeContent.Content as unknown as string, 'base64').toString('utf8');
      expect(vcf).toMatch(/^BEGIN:VCARD\r\nVERSION:3.0\r\n/);
      expect(vcf).toContain('N:Card;Vic;;;');
      expect(vcf).toContain('EMAIL;TYPE=INTERNET,PREF:vic@example.com');
    });
  });

  describe('tasks through ews-javascript-api', () => {
    it('round-trips every stored property of a task unchanged', async () => {
      const t = new Task(svc);
      t.Subject = 'File taxes';
      t.Body = new MessageBody(BodyType.Text, 'before May');
      t.Importance = Importance.High;
      t.Sensitivity = Sensitivity.Personal;
      t.Status = TaskStatus.InProgress;
      t.PercentComplete = 40;
      t.StartDate = new DateTime(Date.UTC(2026, 3, 1));
      t.DueDate = new DateTime(Date.UTC(2026, 4, 1));
      t.IsReminderSet = true;
      t.ReminderDueBy = new DateTime(Date.UTC(2026, 3, 30, 8));
      t.Categories = new StringList(['Admin']);
      t.SetExtendedProperty(MARK, 'task-7');
      await withTimeout(t.Save(WellKnownFolderName.Tasks));
      const s = h.sim.store.getItem(t.Id.UniqueId) as StoredTask;
      expect(s).toMatchObject({
        title: 'File taxes',
        body: { contentType: 'text', content: 'before May' },
        importance: 'high',
        sensitivity: 'personal',
        status: 'inProgress',
        percentComplete: 40,
        startDateTime: Date.UTC(2026, 3, 1),
        dueDateTime: Date.UTC(2026, 4, 1),
        isReminderOn: true,
        reminderDateTime: Date.UTC(2026, 3, 30, 8),
        categories: ['Admin'],
      });
      const b = await withTimeout(Task.Bind(svc, new ItemId(t.Id.UniqueId), props()));
      expect(b.Subject).toBe('File taxes');
      expect(b.Body.Text).toBe('before May');
      expect(b.Importance).toBe(Importance.High);
      expect(b.Sensitivity).toBe(Sensitivity.Personal);
      expect(b.Status).toBe(TaskStatus.InProgress);
      expect(b.PercentComplete).toBe(40);
      expect(b.StartDate?.TotalMilliSeconds).toBe(Date.UTC(2026, 3, 1));
      expect(b.DueDate?.TotalMilliSeconds).toBe(Date.UTC(2026, 4, 1));
      expect(b.IsReminderSet).toBe(true);
      expect(b.ReminderDueBy.TotalMilliSeconds).toBe(Date.UTC(2026, 3, 30, 8));
      expect(b.Categories.GetEnumerator()).toEqual(['Admin']);
      const out = { outValue: undefined as unknown };
      expect(b.ExtendedProperties.TryGetValue(MARK, out)).toBe(true);
      expect(out.outValue).toBe('task-7');
    });

    it('requires AffectedTaskOccurrences to delete a task', async () => {
      const stored = h.sim.store.createTask(h.sim.store.distinguishedFolder(ALICE, 'tasks').id, { title: 'x' });
      const r = await rawSoap(
        h.url,
        `<m:DeleteItem DeleteType="HardDelete"><m:ItemIds><t:ItemId Id="${stored.id}"/></m:ItemIds></m:DeleteItem>`,
      );
      expect(r.body).toContain('<m:ResponseCode>ErrorAffectedTaskOccurrencesRequired</m:ResponseCode>');
      const b = await withTimeout(Task.Bind(svc, new ItemId(stored.id)));
      await withTimeout(b.Delete(DeleteMode.HardDelete));
      expect(h.sim.store.findItem(stored.id)).toBeUndefined();
    });
  });
});
