import type { Contact, DistributionList, EmailAddress, PhysicalAddress } from '../../store/types';
import { computedItemProperties, effectiveProperties } from '../computed-props';
import { EwsItemError } from '../errors';
import { lazy, type Prop, pick } from '../shape';
import { T } from '../xml/namespaces';
import { child, childrenOf, type XNode } from '../xml/parse';
import { el, tx } from '../xml/write';
import type { RenderContext } from './calendar';
import {
  bodyXml,
  categoriesXml,
  dateTime,
  extendedKey,
  extendedPropertyXml,
  mailboxXml,
  parentFolderIdXml,
  parseBody,
  parseCategories,
  parseExtendedProperty,
  parseMailbox,
} from './common';
import { contactMime } from './mime';

const ADDRESS_KEYS = { Business: 'businessAddress', Home: 'homeAddress', Other: 'otherAddress' } as const;
type AddressKey = keyof typeof ADDRESS_KEYS;
const ADDRESS_PARTS = ['Street', 'City', 'State', 'CountryOrRegion', 'PostalCode'] as const;
const PART_FIELD = {
  Street: 'street',
  City: 'city',
  State: 'state',
  CountryOrRegion: 'countryOrRegion',
  PostalCode: 'postalCode',
} as const;

/**
 * t:PhoneNumberKeyType (MS-OXWSCONT 3.1.4.1.2.6): every key a PhoneNumbers entry may carry. Six of them are also
 * Graph properties (the store's lists); the others live in `ewsOnlyPhones`.
 */
const PHONE_KEYS = [
  'AssistantPhone',
  'BusinessFax',
  'BusinessPhone',
  'BusinessPhone2',
  'Callback',
  'CarPhone',
  'CompanyMainPhone',
  'HomeFax',
  'HomePhone',
  'HomePhone2',
  'Isdn',
  'MobilePhone',
  'OtherFax',
  'OtherTelephone',
  'Pager',
  'PrimaryPhone',
  'RadioPhone',
  'Telex',
  'TtyTddPhone',
  'BusinessMobile',
  'IPPhone',
  'Mms',
  'Msn',
] as const;

/** The fixed phone slots Exchange has, mapped onto the store's lists, in schema order. */
function phoneSlots(c: Contact): [string, string | undefined][] {
  const shared: Record<string, string | undefined> = {
    BusinessPhone: c.businessPhones[0],
    BusinessPhone2: c.businessPhones[1],
    HomePhone: c.homePhones[0],
    HomePhone2: c.homePhones[1],
    MobilePhone: c.mobilePhone || undefined,
    OtherTelephone: c.otherPhones[0],
  };
  return PHONE_KEYS.map((k) => [k, k in shared ? shared[k] : c.ewsOnlyPhones?.[k]]);
}

function addressXml(key: AddressKey, a: PhysicalAddress | undefined): string {
  if (!a) return '';
  return el('t:Entry', { Key: key }, ...ADDRESS_PARTS.map((p) => tx(`t:${p}`, a[PART_FIELD[p]])));
}

export function contactXml(ctx: RenderContext, c: Contact): string {
  const ext = effectiveProperties(c.extendedProperties, computedItemProperties(c)).filter((p) =>
    ctx.shape.extended.has(extendedKey(p)),
  );
  const emails = c.emailAddresses.map((e, i) =>
    tx('t:Entry', e.address, { Key: `EmailAddress${i + 1}`, Name: e.name }),
  );
  const phones = phoneSlots(c)
    .filter(([, v]) => v)
    .map(([k, v]) => tx('t:Entry', v, { Key: k }));
  const addresses = (Object.keys(ADDRESS_KEYS) as AddressKey[]).map((k) => addressXml(k, c[ADDRESS_KEYS[k]])).join('');
  const ims = c.imAddresses.slice(0, 3).map((a, i) => tx('t:Entry', a, { Key: `ImAddress${i + 1}` }));
  const s = (v: string) => (v ? v : undefined);
  const props: Prop[] = [
    {
      uri: 'item:MimeContent',
      explicitOnly: true,
      xml: lazy(() =>
        ctx.shape.fields.has('item:MimeContent')
          ? tx('t:MimeContent', Buffer.from(contactMime(c)).toString('base64'), { CharacterSet: 'UTF-8' })
          : '',
      ),
    },
    { uri: 'item:ItemId', xml: `<t:ItemId Id="${c.id}" ChangeKey="${c.changeKey}"/>` },
    { uri: 'item:ParentFolderId', xml: lazy(() => parentFolderIdXml(ctx.store, c.folderKey)) },
    { uri: 'item:ItemClass', xml: lazy(() => tx('t:ItemClass', 'IPM.Contact')) },
    { uri: 'item:Subject', xml: lazy(() => tx('t:Subject', c.displayName)), inDefault: true },
    {
      uri: 'item:Body',
      xml: lazy(() =>
        c.personalNotes ? bodyXml({ contentType: 'text', content: c.personalNotes }, ctx.shape.bodyType) : '',
      ),
    },
    { uri: 'item:Categories', xml: lazy(() => categoriesXml(c.categories)) },
    { uri: 'item:DateTimeCreated', xml: lazy(() => tx('t:DateTimeCreated', dateTime(c.createdAt))) },
    { uri: 'item:HasAttachments', xml: lazy(() => tx('t:HasAttachments', false)), inDefault: true },
    { uri: '*extended', xml: lazy(() => ext.map(extendedPropertyXml).join('')) },
    { uri: 'item:LastModifiedTime', xml: lazy(() => tx('t:LastModifiedTime', dateTime(c.lastModifiedAt))) },
    { uri: 'contacts:FileAs', xml: lazy(() => tx('t:FileAs', s(c.fileAs))), inDefault: true },
    { uri: 'contacts:DisplayName', xml: lazy(() => tx('t:DisplayName', s(c.displayName))), inDefault: true },
    { uri: 'contacts:GivenName', xml: lazy(() => tx('t:GivenName', s(c.givenName))), inDefault: true },
    { uri: 'contacts:MiddleName', xml: lazy(() => tx('t:MiddleName', s(c.middleName))) },
    { uri: 'contacts:Nickname', xml: lazy(() => tx('t:Nickname', s(c.nickName))) },
    {
      uri: 'contacts:CompleteName',
      xml: lazy(() =>
        el(
          't:CompleteName',
          undefined,
          tx('t:Title', s(c.title)),
          tx('t:FirstName', s(c.givenName)),
          tx('t:MiddleName', s(c.middleName)),
          tx('t:LastName', s(c.surname)),
          tx('t:Suffix', s(c.generation)),
          tx('t:FullName', s(c.displayName)),
          tx('t:Nickname', s(c.nickName)),
        ),
      ),
    },
    { uri: 'contacts:CompanyName', xml: lazy(() => tx('t:CompanyName', s(c.companyName))), inDefault: true },
    {
      uri: 'contacts:EmailAddresses',
      xml: lazy(() => (emails.length ? el('t:EmailAddresses', undefined, ...emails) : '')),
      inDefault: true,
    },
    {
      uri: 'contacts:PhysicalAddresses',
      xml: lazy(() => (addresses ? el('t:PhysicalAddresses', undefined, addresses) : '')),
      inDefault: true,
    },
    {
      uri: 'contacts:PhoneNumbers',
      xml: lazy(() => (phones.length ? el('t:PhoneNumbers', undefined, ...phones) : '')),
      inDefault: true,
    },
    { uri: 'contacts:Birthday', xml: lazy(() => (c.birthday ? tx('t:Birthday', `${c.birthday}T00:00:00Z`) : '')) },
    { uri: 'contacts:BusinessHomePage', xml: lazy(() => tx('t:BusinessHomePage', s(c.businessHomePage))) },
    { uri: 'contacts:Department', xml: lazy(() => tx('t:Department', s(c.department))) },
    { uri: 'contacts:Generation', xml: lazy(() => tx('t:Generation', s(c.generation))) },
    { uri: 'contacts:ImAddresses', xml: lazy(() => (ims.length ? el('t:ImAddresses', undefined, ...ims) : '')) },
    { uri: 'contacts:JobTitle', xml: lazy(() => tx('t:JobTitle', s(c.jobTitle))), inDefault: true },
    { uri: 'contacts:Surname', xml: lazy(() => tx('t:Surname', s(c.surname))), inDefault: true },
    { uri: 'contacts:Notes', xml: lazy(() => tx('t:Notes', s(c.personalNotes))) },
  ];
  return el('t:Contact', undefined, pick(ctx.shape, props));
}

export function distributionListXml(ctx: RenderContext, d: DistributionList): string {
  const ext = effectiveProperties(d.extendedProperties, computedItemProperties(d)).filter((p) =>
    ctx.shape.extended.has(extendedKey(p)),
  );
  const members = d.members.map((m, i) =>
    el('t:Member', { Key: `m${i + 1}` }, mailboxXml(m, 'OneOff'), tx('t:Status', 'Normal')),
  );
  const props: Prop[] = [
    { uri: 'item:ItemId', xml: `<t:ItemId Id="${d.id}" ChangeKey="${d.changeKey}"/>` },
    { uri: 'item:ParentFolderId', xml: lazy(() => parentFolderIdXml(ctx.store, d.folderKey)) },
    { uri: 'item:ItemClass', xml: lazy(() => tx('t:ItemClass', 'IPM.DistList')) },
    { uri: 'item:Subject', xml: lazy(() => tx('t:Subject', d.displayName)), inDefault: true },
    { uri: 'item:Body', xml: lazy(() => (d.body.content ? bodyXml(d.body, ctx.shape.bodyType) : '')) },
    { uri: 'item:Categories', xml: lazy(() => categoriesXml(d.categories)) },
    { uri: 'item:DateTimeCreated', xml: lazy(() => tx('t:DateTimeCreated', dateTime(d.createdAt))) },
    { uri: '*extended', xml: lazy(() => ext.map(extendedPropertyXml).join('')) },
    { uri: 'item:LastModifiedTime', xml: lazy(() => tx('t:LastModifiedTime', dateTime(d.lastModifiedAt))) },
    { uri: 'distributionlist:DisplayName', xml: lazy(() => tx('t:DisplayName', d.displayName)), inDefault: true },
    { uri: 'distributionlist:FileAs', xml: lazy(() => tx('t:FileAs', d.displayName)), inDefault: true },
    {
      uri: 'distributionlist:Members',
      xml: lazy(() => (members.length ? el('t:Members', undefined, ...members) : '')),
    },
  ];
  return el('t:DistributionList', undefined, pick(ctx.shape, props));
}

/* ------------------------------------------------------------ parsing */

function entries(n: XNode): XNode[] {
  return childrenOf(n, T, 'Entry');
}

function slotIndex(key: string | undefined, prefix: string, max: number): number {
  const m = new RegExp(`^${prefix}(\\d)$`).exec(key ?? '');
  const i = m ? Number(m[1]) - 1 : -1;
  if (i < 0 || i >= max)
    throw new EwsItemError('ErrorInvalidPropertyRequest', `"${key ?? ''}" is not a valid ${prefix} key.`);
  return i;
}

/** Reads a t:Contact into a store patch, merging dictionary entries into the current contact's slots. */
export function parseContact(n: XNode, current?: Contact): { patch: Record<string, unknown>; count: number } {
  const patch: Record<string, unknown> = {};
  let count = 0;
  const ext = [];
  const str = (field: string, c: XNode) => {
    patch[field] = c.text;
  };
  for (const c of n.children) {
    if (c.ns !== T) continue;
    count++;
    switch (c.name) {
      case 'Subject':
      case 'ItemClass':
        break;
      case 'Body':
      case 'Notes':
        patch.personalNotes = (c.name === 'Body' ? parseBody(c)?.content : c.text) ?? '';
        break;
      case 'Categories':
        patch.categories = parseCategories(c);
        break;
      case 'ExtendedProperty':
        ext.push(parseExtendedProperty(c));
        break;
      case 'FileAs':
        str('fileAs', c);
        break;
      case 'DisplayName':
        str('displayName', c);
        break;
      case 'GivenName':
        str('givenName', c);
        break;
      case 'MiddleName':
        str('middleName', c);
        break;
      case 'Nickname':
        str('nickName', c);
        break;
      case 'CompanyName':
        str('companyName', c);
        break;
      case 'BusinessHomePage':
        str('businessHomePage', c);
        break;
      case 'Department':
        str('department', c);
        break;
      case 'Generation':
        str('generation', c);
        break;
      case 'JobTitle':
        str('jobTitle', c);
        break;
      case 'Surname':
        str('surname', c);
        break;
      case 'Birthday': {
        const m = /^(\d{4}-\d{2}-\d{2})/.exec(c.text.trim());
        if (!m?.[1]) throw new EwsItemError('ErrorSchemaValidation', `"${c.text}" is not a valid Birthday.`);
        patch.birthday = m[1];
        break;
      }
      case 'EmailAddresses': {
        const slots: (EmailAddress | undefined)[] = [...(current?.emailAddresses ?? [])];
        for (const e of entries(c)) {
          const i = slotIndex(e.attrs.Key, 'EmailAddress', 3);
          const address = e.text.trim();
          slots[i] = address ? { address, ...(e.attrs.Name ? { name: e.attrs.Name } : {}) } : undefined;
        }
        patch.emailAddresses = slots.filter((s): s is EmailAddress => !!s);
        break;
      }
      case 'ImAddresses': {
        const slots: (string | undefined)[] = [...(current?.imAddresses ?? [])];
        for (const e of entries(c)) slots[slotIndex(e.attrs.Key, 'ImAddress', 3)] = e.text.trim() || undefined;
        patch.imAddresses = slots.filter((s): s is string => !!s);
        break;
      }
      case 'PhoneNumbers': {
        const biz = [...(current?.businessPhones ?? [])] as (string | undefined)[];
        const home = [...(current?.homePhones ?? [])] as (string | undefined)[];
        const other = [...(current?.otherPhones ?? [])] as (string | undefined)[];
        let mobile = current?.mobilePhone ?? '';
        const only: Record<string, string> = { ...(current?.ewsOnlyPhones ?? {}) };
        for (const e of entries(c)) {
          const v = e.text.trim() || undefined;
          switch (e.attrs.Key) {
            case 'BusinessPhone':
              biz[0] = v;
              break;
            case 'BusinessPhone2':
              biz[1] = v;
              break;
            case 'HomePhone':
              home[0] = v;
              break;
            case 'HomePhone2':
              home[1] = v;
              break;
            case 'MobilePhone':
              mobile = v ?? '';
              break;
            case 'OtherTelephone':
              other[0] = v;
              break;
            default: {
              const key = e.attrs.Key ?? '';
              // A key outside the schema's enumeration fails schema validation, as on Exchange.
              if (!(PHONE_KEYS as readonly string[]).includes(key))
                throw new EwsItemError('ErrorSchemaValidation', `"${key}" is not a valid PhoneNumberKeyType.`);
              if (v) only[key] = v;
              else delete only[key];
            }
          }
        }
        const compact = (a: (string | undefined)[]) => a.filter((s): s is string => !!s);
        Object.assign(patch, {
          businessPhones: compact(biz),
          homePhones: compact(home),
          otherPhones: compact(other),
          mobilePhone: mobile,
          ewsOnlyPhones: only,
        });
        break;
      }
      case 'PhysicalAddresses':
        for (const e of entries(c)) {
          const key = e.attrs.Key as AddressKey;
          const field = ADDRESS_KEYS[key];
          if (!field)
            throw new EwsItemError('ErrorInvalidPropertyRequest', `Address key "${e.attrs.Key ?? ''}" is invalid.`);
          const next: PhysicalAddress = {
            ...((patch[field] as PhysicalAddress | undefined) ?? current?.[field] ?? {}),
          };
          for (const p of ADDRESS_PARTS) {
            const v = child(e, T, p);
            if (v) next[PART_FIELD[p]] = v.text;
          }
          patch[field] = next;
        }
        break;
      case 'MimeContent':
        // vCard cannot be imported through EWS (reference §1.5).
        throw new EwsItemError('ErrorUnsupportedMimeConversion');
      default:
        throw new EwsItemError('ErrorInvalidPropertySet', `Property ${c.name} cannot be set on a contact.`);
    }
  }
  if (ext.length) patch.extendedProperties = ext;
  return { patch, count };
}

/** DeleteItemField on a contact (FieldURI or IndexedFieldURI with FieldIndex). */
export function clearContactField(c: Contact, uri: string, index: string | undefined): Record<string, unknown> {
  const simple: Record<string, string> = {
    'contacts:FileAs': 'fileAs',
    'contacts:DisplayName': 'displayName',
    'contacts:GivenName': 'givenName',
    'contacts:MiddleName': 'middleName',
    'contacts:Nickname': 'nickName',
    'contacts:CompanyName': 'companyName',
    'contacts:BusinessHomePage': 'businessHomePage',
    'contacts:Department': 'department',
    'contacts:Generation': 'generation',
    'contacts:JobTitle': 'jobTitle',
    'contacts:Surname': 'surname',
    'item:Body': 'personalNotes',
    'contacts:Notes': 'personalNotes',
  };
  const f = simple[uri];
  if (f) return { [f]: '' };
  if (uri === 'contacts:Birthday') return { birthday: undefined };
  if (uri === 'item:Categories') return { categories: [] };
  if (uri === 'contacts:EmailAddress') {
    const i = slotIndex(index, 'EmailAddress', 3);
    return { emailAddresses: c.emailAddresses.filter((_, j) => j !== i) };
  }
  if (uri === 'contacts:PhoneNumber') {
    const dummy: XNode = {
      ns: T,
      name: 'Contact',
      attrs: {},
      text: '',
      children: [
        {
          ns: T,
          name: 'PhoneNumbers',
          attrs: {},
          text: '',
          children: [{ ns: T, name: 'Entry', attrs: { Key: index ?? '' }, text: '', children: [] }],
        },
      ],
    };
    return parseContact(dummy, c).patch;
  }
  if (uri.startsWith('contacts:PhysicalAddress:')) {
    const field = ADDRESS_KEYS[index as AddressKey];
    const part = uri.slice('contacts:PhysicalAddress:'.length) as (typeof ADDRESS_PARTS)[number];
    if (!field || !PART_FIELD[part]) throw new EwsItemError('ErrorInvalidPropertyRequest', `Cannot delete ${uri}.`);
    const next = { ...(c[field] ?? {}) };
    delete next[PART_FIELD[part]];
    return { [field]: Object.keys(next).length ? next : undefined };
  }
  throw new EwsItemError('ErrorInvalidPropertyRequest', `Property ${uri} cannot be deleted.`);
}

export function parseDistributionList(n: XNode): { patch: Record<string, unknown>; count: number } {
  const patch: Record<string, unknown> = {};
  let count = 0;
  const ext = [];
  for (const c of n.children) {
    if (c.ns !== T) continue;
    count++;
    switch (c.name) {
      case 'DisplayName':
        patch.displayName = c.text;
        break;
      case 'Subject':
        if (patch.displayName === undefined) patch.displayName = c.text;
        break;
      case 'Body':
        patch.body = parseBody(c);
        break;
      case 'Categories':
        patch.categories = parseCategories(c);
        break;
      case 'ExtendedProperty':
        ext.push(parseExtendedProperty(c));
        break;
      case 'Members':
        patch.members = childrenOf(c, T, 'Member').flatMap((m) => {
          const a = parseMailbox(m);
          return a ? [a] : [];
        });
        break;
      case 'FileAs':
      case 'ItemClass':
        break;
      default:
        throw new EwsItemError('ErrorInvalidPropertySet', `Property ${c.name} cannot be set on a distribution list.`);
    }
  }
  if (ext.length) patch.extendedProperties = ext;
  return { patch, count };
}
