/**
 * Response bodies as Nextcloud 30–33 (sabre/dav 4) sends them, recorded from its source and documentation
 * (apps/dav CalDavBackend, CalDavValidatePlugin, sabre Sync\Plugin; see shared/reference/nextcloud.md §3) with
 * hosts and ids replaced. The fake Nextcloud replays them.
 */

export const SABRE_NS =
  'xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns" xmlns:cal="urn:ietf:params:xml:ns:caldav" xmlns:cs="http://calendarserver.org/ns/" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns"';

export function sabreError(exception: string, message: string, extra = ''): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<d:error ${SABRE_NS}>
  <s:exception>${exception}</s:exception>
  <s:message>${message}</s:message>${extra}
</d:error>
`;
}

/** 403 from the sync plugin for a token it cannot read (or a foreign one). */
export const INVALID_SYNC_TOKEN = sabreError(
  'Sabre\\DAV\\Exception\\InvalidSyncToken',
  'Invalid or unknown sync token',
  '\n  <d:valid-sync-token/>',
);

/** 403 from CalDavValidatePlugin::beforePut for a body over `dav event_size_limit` (10 MiB). */
export const EVENT_TOO_LARGE = sabreError(
  'Sabre\\DAV\\Exception\\Forbidden',
  'VEvent or VTodo object exceeds 10485760 bytes',
);

/** 400 from CalDavBackend::createCalendarObject (NC 30–33). */
export const UID_EXISTS_400 = sabreError(
  'Sabre\\DAV\\Exception\\BadRequest',
  'Calendar object with uid already exists in this calendar collection.',
);

/** 409 from apps/dav/lib/Exception/UidConflict.php (NC 34). */
export function uidConflict409(existingHref: string): string {
  return sabreError(
    'OCA\\DAV\\Exception\\UidConflict',
    'Calendar object with uid already exists in this calendar collection.',
    `\n  <cal:no-uid-conflict><d:href>${existingHref}</d:href></cal:no-uid-conflict>`,
  );
}

/** 507 for `<d:limit>` on an initial sync (nextcloud/server#18490). */
export const LIMIT_ON_INITIAL_SYNC = sabreError(
  'OCA\\DAV\\Exception\\UnsupportedLimitOnInitialSyncException',
  'No limit is supported on initial sync requests',
  '\n  <d:number-of-matches-within-limits/>',
);

/** 401 body; the header `WWW-Authenticate: Basic realm="Nextcloud", charset="UTF-8"` goes with it. */
export const NOT_AUTHENTICATED = sabreError(
  'Sabre\\DAV\\Exception\\NotAuthenticated',
  "No public access to this resource., Username or password was incorrect, No 'Authorization: Bearer' header found. Either the client didn't send one, or the server didn't receive it",
);

/** 429 from brute-force protection (OC\Security\Bruteforce\Throttler → MaxDelayReached). */
export const TOO_MANY_REQUESTS = sabreError('Sabre\\DAV\\Exception\\TooManyRequests', 'Reached maximum delay');

export const NOT_FOUND = sabreError('Sabre\\DAV\\Exception\\NotFound', 'Calendar object not found');

/** sabre/dav's Server::checkPreconditions: If-Match on a resource that does not exist is a 412, not a 404. */
export const IF_MATCH_MISSING = sabreError(
  'Sabre\\DAV\\Exception\\PreconditionFailed',
  'An If-Match header was specified and the resource did not exist',
);

export const PRECONDITION_FAILED = sabreError(
  'Sabre\\DAV\\Exception\\PreconditionFailed',
  'An If-Match header was specified, but none of the specified ETags matched.',
);
