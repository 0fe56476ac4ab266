import { sampleContact, sampleEvent } from '@exsync/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listCollections } from './collections';
import { DavCollectionStore } from './dav-collection-store';
import { discoverNextcloud } from './discovery';
import { DavXmlError, parseMultistatus, parseWithFastXmlParser, parseXml } from './multistatus';
import { pimCodec } from './pim-codec';
import { FakeNextcloud } from './testing/fake-nextcloud';
import { DavTransport } from './transport';

/**
 * A reading without the XML declaration and processing instructions, which fast-xml-parser reports as `?xml` and
 * `?name` keys (no reader looks at them; the one-pass reading skips them).
 */
function content(parsed: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(parsed).filter(([k]) => !k.startsWith('?')));
}
const reference = (xml: string) => content(parseWithFastXmlParser(xml));
const ours = (xml: string) => content(parseXml(xml));

const SABRE = `<?xml version="1.0"?>
<d:multistatus xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns" xmlns:cal="urn:ietf:params:xml:ns:caldav" xmlns:cs="http://calendarserver.org/ns/" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns"><d:response><d:href>/remote.php/dav/calendars/alice/</d:href><d:propstat><d:prop><d:resourcetype><d:collection/></d:resourcetype></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat><d:propstat><d:prop><d:displayname/><cal:supported-calendar-component-set/><d:sync-token/></d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat></d:response><d:response><d:href>/remote.php/dav/calendars/alice/personal/</d:href><d:propstat><d:prop><d:resourcetype><d:collection/><cal:calendar/></d:resourcetype><d:displayname>Personal</d:displayname><cal:supported-calendar-component-set><cal:comp name="VEVENT"/><cal:comp name="VTODO"/></cal:supported-calendar-component-set><d:sync-token>http://sabre.io/ns/sync/12</d:sync-token><d:current-user-privilege-set><d:privilege><d:write/></d:privilege><d:privilege><d:read/></d:privilege></d:current-user-privilege-set><cs:getctag>http://sabre.io/ns/sync/12</cs:getctag><d:owner><d:href>/remote.php/dav/principals/users/alice/</d:href></d:owner></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>
`;
const RADICALE = `<?xml version='1.0' encoding='utf-8'?>
<multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:CS="http://calendarserver.org/ns/">
  <response>
    <href>/alice/calendar.ics/</href>
    <propstat>
      <prop>
        <resourcetype>
          <collection />
          <C:calendar />
        </resourcetype>
        <C:supported-calendar-component-set>
          <C:comp name="VEVENT" />
          <C:comp name="VJOURNAL" />
        </C:supported-calendar-component-set>
        <sync-token>http://radicale.org/ns/sync/9f0c</sync-token>
        <getetag>"abc&amp;def"</getetag>
      </prop>
      <status>HTTP/1.1 200 OK</status>
    </propstat>
    <propstat>
      <prop>
        <displayname />
      </prop>
      <status>HTTP/1.1 404 Not Found</status>
    </propstat>
  </response>
</multistatus>`;
const XANDIKOS = `<ns0:multistatus xmlns:ns0="DAV:" xmlns:ns1="urn:ietf:params:xml:ns:carddav"><ns0:response><ns0:href>/u/contacts/addressbook/</ns0:href><ns0:propstat><ns0:status>HTTP/1.1 200 OK</ns0:status><ns0:prop><ns0:resourcetype><ns0:collection /><ns1:addressbook /></ns0:resourcetype><ns0:displayname>Adressbuch &#8211; «Privé» &lt;1&gt;</ns0:displayname></ns0:prop></ns0:propstat></ns0:response><ns0:sync-token>http://xandikos/9</ns0:sync-token></ns0:multistatus>`;
/** What a reader meets rarely: attributes with and without a prefix, mixed text, CDATA, comments, repeats. */
const ODD = `<?xml version="1.0"?><!-- a comment --><?pi x?>
<d:multistatus xmlns:d="DAV:" xmlns:x="urn:x"><d:response><d:href>/a</d:href><d:href>/b</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>
<d:response><d:href> /c </d:href><d:propstat><d:prop>
  <x:mixed x:lang="de" plain="p">before<x:b>inner</x:b>after</x:mixed><x:empty a="1"/><x:spaced a='2'> </x:spaced>
  <x:blank> </x:blank><x:rep>1</x:rep><x:rep/><x:rep><x:deep>3</x:deep></x:rep><x:cdata><![CDATA[<not a tag> & ]]></x:cdata>
  <x:ent>&#x41;&#66;&quot;&apos;&lt;&gt;&amp;amp;</x:ent><d:supported-report-set><d:supported-report><d:report><d:sync-collection/></d:report></d:supported-report></d:supported-report-set>
</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response><d:sync-token/></d:multistatus>`;

describe('parseXml: the one-pass reading shapes bodies as fast-xml-parser did', () => {
  it.each([
    ['Nextcloud (sabre/dav) home listing', SABRE],
    ['Radicale, pretty-printed with a default namespace', RADICALE],
    ['Xandikos, ns0 prefixes and character references', XANDIKOS],
    ['odd but well-formed bodies', ODD],
    ['an empty multistatus', '<ns0:multistatus xmlns:ns0="DAV:" />'],
    [
      'CR LF and lone CR in calendar-data, and a CR by reference',
      '<d:multistatus xmlns:d="DAV:"><d:response><d:href>/a</d:href><d:propstat><d:prop><d:x>A\r\nB\rC&#13;\n</d:x></d:prop></d:propstat></d:response></d:multistatus>',
    ],
  ])('%s', (_, xml) => {
    expect(ours(xml)).toEqual(reference(xml));
    expect(parseMultistatus(xml)).toEqual(parseMultistatus(`\r${xml}`.slice(1)));
  });

  it.each([
    ['an HTML entity', '<d:x xmlns:d="DAV:">a&nbsp;b</d:x>'],
    ['an undeclared prefix', '<d:x><y:z/></d:x>'],
    [
      'an element named as a built-in (renamed by fast-xml-parser)',
      '<d:x xmlns:d="DAV:"><d:toString>t</d:toString></d:x>',
    ],
  ])('leaves what it does not read as fast-xml-parser did to fast-xml-parser: %s', (_, xml) => {
    expect(ours(xml)).toEqual(reference(xml));
  });

  it('still refuses what is not XML, and elements named __proto__ or constructor', () => {
    expect(() => parseMultistatus('<html><body>Bad gateway')).toThrow(DavXmlError);
    expect(() => parseXml('<d:x xmlns:d="DAV:"><d:constructor/></d:x>')).toThrow(DavXmlError);
    expect(() => parseXml('<d:x xmlns:d="DAV:"><d:__proto__><d:polluted/></d:__proto__></d:x>')).toThrow(DavXmlError);
  });
});

describe('parseXml on what the fake Nextcloud answers', () => {
  let nc: FakeNextcloud;
  beforeAll(async () => {
    nc = await new FakeNextcloud({ prefix: '/nextcloud' }).start();
  });
  afterAll(() => nc?.stop());

  it('reads every body of discovery, listing, writes, reads and changes as fast-xml-parser did', async () => {
    const bodies: string[] = [];
    const t = new DavTransport({
      credentials: { username: nc.user, password: nc.password },
      timeoutMs: 5000,
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        const text = await response.clone().text();
        if (text.trimStart().startsWith('<')) bodies.push(text);
        return response;
      },
    });
    const homes = await discoverNextcloud(nc.baseUrl, t);
    await listCollections(homes.calendarHomeUrl ?? '', t);
    await listCollections(homes.addressBookHomeUrl ?? '', t);
    const calendar = new DavCollectionStore({ transport: t, url: nc.calendarUrl, type: 'calendar', codec: pimCodec });
    const window = { start: '2030-03-01T00:00:00Z', end: '2030-04-01T00:00:00Z' };
    const token = await calendar.startToken(window);
    await calendar.create(sampleEvent('shape-1', '2030-03-02T10:00:00Z'), { marker: 'm' });
    const changes = await calendar.changesSince(token);
    for await (const _ of calendar.getMany(changes.changes.flatMap((c) => (c.type === 'upsert' ? [c.ref.href] : []))));
    for await (const _ of calendar.listWindow(window));
    const books = await listCollections(homes.addressBookHomeUrl ?? '', t);
    const book = new DavCollectionStore({ transport: t, url: books[0]!.url, type: 'addressbook', codec: pimCodec });
    await book.create(sampleContact('shape-2'), { marker: 'm' });
    for await (const _ of book.listWindow(window));
    expect(bodies.length).toBeGreaterThan(6);
    for (const body of bodies) expect(ours(body)).toEqual(reference(body));
  });
});
