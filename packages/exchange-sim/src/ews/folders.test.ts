import {
  BasePropertySet,
  CalendarFolder,
  ChangeType,
  ConnectingIdType,
  ExchangeService,
  ExchangeVersion,
  Folder,
  FolderId,
  FolderSchema,
  FolderTraversal,
  FolderView,
  ImpersonatedUserId,
  PropertySet,
  SearchFilter,
  Uri,
  WebCredentials,
  WellKnownFolderName,
} from 'ews-javascript-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE, type Harness, PASSWORD, rawSoap, startEws, withTimeout } from './test-support';

let h: Harness;
let svc: ExchangeService;
beforeAll(async () => {
  h = await startEws();
  svc = new ExchangeService(ExchangeVersion.Exchange2013_SP1);
  svc.Url = new Uri(h.url);
  svc.Credentials = new WebCredentials('CONTOSO\\svc-sync', PASSWORD);
  svc.ImpersonatedUserId = new ImpersonatedUserId(ConnectingIdType.SmtpAddress, ALICE);
  svc.HttpHeaders.Add('X-AnchorMailbox', ALICE);
});
afterAll(() => h.close());

describe('folders', () => {
  it('GetFolder binds the distinguished calendar, contacts and tasks folders with their classes', async () => {
    const cal = await withTimeout(CalendarFolder.Bind(svc, WellKnownFolderName.Calendar));
    expect(cal.DisplayName).toBe('Calendar');
    expect(cal.Id.UniqueId).toBe(h.sim.store.distinguishedFolder(ALICE, 'calendar').id);
    for (const [wk, cls] of [
      [WellKnownFolderName.Contacts, 'IPF.Contact'],
      [WellKnownFolderName.Tasks, 'IPF.Task'],
    ] as const) {
      const f = await withTimeout(Folder.Bind(svc, wk, new PropertySet(BasePropertySet.FirstClassProperties)));
      expect(f.FolderClass).toBe(cls);
    }
  });

  it('FindFolder with Deep traversal and a FolderClass restriction finds extra calendars', async () => {
    const extra = h.sim.store.createFolder(ALICE, { kind: 'calendar', displayName: 'Team calendar' });
    const view = new FolderView(100);
    view.Traversal = FolderTraversal.Deep;
    view.PropertySet = new PropertySet(BasePropertySet.IdOnly, [FolderSchema.DisplayName, FolderSchema.FolderClass]);
    const res = await withTimeout(
      svc.FindFolders(
        WellKnownFolderName.MsgFolderRoot,
        new SearchFilter.IsEqualTo(FolderSchema.FolderClass, 'IPF.Appointment'),
        view,
      ),
    );
    expect(res.Folders.map((f) => f.DisplayName).sort()).toEqual(['Calendar', 'Team calendar']);
    expect(res.Folders.some((f) => f.Id.UniqueId === extra.id)).toBe(true);
    expect(res.MoreAvailable).toBe(false);
  });

  it('SyncFolderHierarchy reports new and renamed folders, not item count changes, with IncludesLastFolderInRange', async () => {
    const first = await withTimeout(
      svc.SyncFolderHierarchy(
        new FolderId(WellKnownFolderName.MsgFolderRoot),
        PropertySet.FirstClassProperties,
        null as unknown as string,
      ),
    );
    expect(first.MoreChangesAvailable).toBe(false);
    expect(first.GetEnumerator().map((c) => c.Folder?.DisplayName)).toEqual(
      expect.arrayContaining(['Calendar', 'Contacts', 'Tasks']),
    );
    const cal = h.sim.store.distinguishedFolder(ALICE, 'calendar');
    h.sim.store.createEvent(cal.id, { subject: 'count only', start: 0, end: 1 });
    const added = h.sim.store.createFolder(ALICE, { kind: 'contacts', displayName: 'Suppliers' });
    const second = await withTimeout(
      svc.SyncFolderHierarchy(
        new FolderId(WellKnownFolderName.MsgFolderRoot),
        PropertySet.FirstClassProperties,
        first.SyncState,
      ),
    );
    expect(second.GetEnumerator().map((c) => [ChangeType[c.ChangeType], c.FolderId.UniqueId])).toEqual([
      ['Create', added.id],
    ]);
    h.sim.store.renameFolder(added.id, 'Vendors');
    const third = await withTimeout(
      svc.SyncFolderHierarchy(
        new FolderId(WellKnownFolderName.MsgFolderRoot),
        PropertySet.FirstClassProperties,
        second.SyncState,
      ),
    );
    expect(third.GetEnumerator().map((c) => [ChangeType[c.ChangeType], c.Folder?.DisplayName])).toEqual([
      ['Update', 'Vendors'],
    ]);
  });

  it('refuses a hierarchy SyncState taken for another SyncFolderId', async () => {
    const withRoot = await withTimeout(
      svc.SyncFolderHierarchy(
        new FolderId(WellKnownFolderName.MsgFolderRoot),
        PropertySet.IdOnly,
        null as unknown as string,
      ),
    );
    const r = await rawSoap(
      h.url,
      `<m:SyncFolderHierarchy><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:SyncState>${withRoot.SyncState}</m:SyncState></m:SyncFolderHierarchy>`,
    );
    expect(r.body).toContain('<m:ResponseCode>ErrorInvalidSyncStateData</m:ResponseCode>');
    expect(r.body).toContain('<m:IncludesLastFolderInRange>');
  });
});
