/**
 * The simulator's one in-memory mailbox store; the EWS, Graph and control faces are views over it.
 *
 * - `MailboxStore` holds mailboxes (`createMailbox`, `findMailbox`/`getMailbox` by id, SMTP or UPN, case-insensitive),
 *   folders (well-known `root`, `msgfolderroot`, `calendar`, `contacts`, `tasks`, `deleteditems`, plus extra ones via
 *   `createFolder`; `distinguishedFolder(mbx, 'calendar')`), and items: events, contacts, distribution lists, tasks
 *   (`createEvent|createContact|createDistributionList|createTask(folderId, input)`, `getItem`, `updateItem`,
 *   `deleteItem`, `moveItem`). Writes take `{ ifChangeKey }` and throw `StoreError('ChangeKeyMismatch')`.
 * - Every object has one binary key shown in two spellings: `id` (EWS: base64 with '+' and '/', "AAMk...=") and
 *   `graphId` (URL-safe, ends in '='). Lookups accept either. Ids are never reused. `changeKey` changes on every
 *   write (Graph ETag = `W/"<changeKey>"`). A move gives an item a new `id`/`graphId` (old ids stop resolving);
 *   `immutableGraphId` (Graph `Prefer: IdType="ImmutableId"`) never changes and resolves too.
 * - Recurring events: `recurrence` (see ../recurrence) in the event's IANA `timeZone`. Occurrences are not items:
 *   `instancesOf`, `calendarView` (never returns masters), `getInstance(occurrenceId)`, `instanceByIndex`,
 *   `updateOccurrence` (creates/changes an exception) and `deleteOccurrence` (adds to `deletedOccurrences`). Both bump
 *   the master's ChangeKey and journal an `update` of the master. Changing a series' time/pattern drops exceptions
 *   and changes occurrence ids (`patternGeneration`).
 * - Change journal: one global sequence (`currentSeq()`); per folder `journal(folderId)` and the coalesced
 *   `changesSince(folderId, seq)` (create+update → create, create+delete → nothing, move out → delete). EWS sync
 *   states and Graph delta tokens are both "a folder and a seq". `hierarchyChangesSince(mbx, seq)` for folders.
 * - Extended properties: `{ propertySetId, name | id, type, value }`; `extendedPropertyKey()` gives the Graph id form
 *   (`String {guid} Name X`), the identity used for merging on update.
 * - `clock` is the virtual clock (UTC ms). `recordMeetingMail`/`sentMail` keep "mail that was sent".
 * All times are UTC epoch ms; all zones IANA (convert Windows names with `toIanaZone` from ../recurrence).
 */
export * from './clock';
export * from './errors';
export * from './extended-properties';
export * from './ids';
export * from './mailbox-store';
export * from './types';
