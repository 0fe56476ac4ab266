import {
  BasePropertySet,
  BodyType,
  ConflictResolutionMode,
  ConnectingIdType,
  Contact,
  ContactGroup,
  DateTime,
  DeleteMode,
  EmailAddress,
  EmailAddressKey,
  ExchangeService,
  ExchangeVersion,
  ExtendedPropertyDefinition,
  Guid,
  ImAddressKey,
  ImpersonatedUserId,
  Importance,
  ItemId,
  ItemSchema,
  MapiPropertyType,
  MessageBody,
  PhoneNumberKey,
  PhysicalAddressEntry,
  PhysicalAddressKey,
  PropertySet,
  Sensitivity,
  StringList,
  Task,
  TaskStatus,
  Uri,
  WebCredentials,
  WellKnownFolderName,
} from 'ews-javascript-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Contact as StoredContact, Task as StoredTask } from '../store/types';
import { ALICE, type Harness, PASSWORD, rawSoap, startEws, withTimeout } from './test-support';

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
