import { describe, expect, it } from 'vitest';
import { DavXmlError, parseMultistatus } from './multistatus';

describe('parseMultistatus', () => {
  it('keeps CR characters and entities of calendar-data, and reads tombstones and the sync token', () => {
    const xml = `<?xml version="1.0"?>
<d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
  <d:response><d:href>/cal/a.ics</d:href>
    <d:propstat><d:prop><d:getetag>"e1"</d:getetag><c:calendar-data>BEGIN:VCALENDAR&#13;
SUMMARY:Tom &amp; Jerry&#13;
END:VCALENDAR&#13;
</c:calendar-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>
    <d:propstat><d:prop><d:getlastmodified/></d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>
  </d:response>
  <d:response><d:href>/cal/b.ics</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>
  <d:sync-token>http://sabre.io/ns/sync/7</d:sync-token>
</d:multistatus>`;
    const parsed = parseMultistatus(xml);
    expect(parsed.syncToken).toBe('http://sabre.io/ns/sync/7');
    expect(parsed.responses[0]).toMatchObject({ href: '/cal/a.ics', status: 200 });
    expect(parsed.responses[0]?.props['calendar-data']).toBe(
      'BEGIN:VCALENDAR\r\nSUMMARY:Tom & Jerry\r\nEND:VCALENDAR\r\n',
    );
    expect(parsed.responses[1]).toMatchObject({ href: '/cal/b.ics', status: 404 });
  });

  it('reads an empty multistatus as no responses', () => {
    expect(parseMultistatus('<ns0:multistatus xmlns:ns0="DAV:" />').responses).toEqual([]);
  });

  it('refuses external entities and non-multistatus bodies with a typed, retryable error', () => {
    const xxe =
      '<!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]><d:multistatus xmlns:d="DAV:">&e;</d:multistatus>';
    expect(() => parseMultistatus(xxe)).toThrow(DavXmlError);
    expect(() => parseMultistatus('<html>Bad gateway</html>')).toThrow(DavXmlError);
  });
});
