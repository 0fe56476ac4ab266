import type { ContactItem, PostalAddress, TypedValue } from '@exsync/core';
import {
  BodyType,
  type Contact,
  EmailAddress,
  EmailAddressKey,
  ImAddressKey,
  MessageBody,
  PhoneNumberKey,
  PhysicalAddressEntry,
  PhysicalAddressKey,
} from 'ews-javascript-api';
import { clean } from './event-mapping';
import { applyWriters, type ItemWriter } from './item-writers';
import { dateTimeOf, stringList, xmlText } from './wire-values';

export interface ContactSnapshot {
  type: 'Contact';
  itemId: string;
  changeKey: string;
  uid?: string;
  marker?: string;
  lastModified?: string;
  displayName?: string;
  givenName?: string;
  middleName?: string;
  surname?: string;
  generation?: string;
  nickName?: string;
  companyName?: string;
  department?: string;
  jobTitle?: string;
  birthday?: string;
  body?: string;
  homePage?: string;
  categories: string[];
  emails: Record<string, string>;
  phones: Record<string, string>;
  ims: Record<string, string>;
  addresses: Record<string, Record<string, string>>;
}

/** The year Outlook writes for a birthday without one. */
export const NO_YEAR = 1604;

const EMAIL_KEYS = ['EmailAddress1', 'EmailAddress2', 'EmailAddress3'] as const;
export const EMAIL_SLOTS = EMAIL_KEYS.length;
const IM_KEYS = ['ImAddress1', 'ImAddress2', 'ImAddress3'] as const;
export const IM_SLOTS = IM_KEYS.length;
/** Exchange's fixed phone slots and the vCard TYPEs each stands for. */
export const PHONE_TYPES: Record<string, readonly string[]> = {
  BusinessPhone: ['work', 'voice'],
  BusinessPhone2: ['work', 'voice'],
  HomePhone: ['home', 'voice'],
  HomePhone2: ['home', 'voice'],
  MobilePhone: ['cell'],
  BusinessFax: ['work', 'fax'],
  HomeFax: ['home', 'fax'],
  Pager: ['pager'],
  OtherTelephone: ['voice'],
};
export const ADDRESS_TYPES: Record<string, readonly string[]> = { Business: ['work'], Home: ['home'], Other: [] };

export function contactFromSnapshot(s: ContactSnapshot, uid: string): ContactItem {
  const name = clean({ family: s.surname, given: s.givenName, additional: s.middleName, suffix: s.generation });
  const [year, month, day] = (s.birthday ?? '').split('-').map(Number);
  return clean({
    kind: 'contact' as const,
    uid,
    formattedName: s.displayName,
    name: Object.keys(name).length ? name : undefined,
    nickname: s.nickName,
    emails: EMAIL_KEYS.flatMap((k) => (s.emails[k] ? [{ value: s.emails[k], types: [] }] : [])),
    phones: Object.keys(PHONE_TYPES).flatMap((k) =>
      s.phones[k] ? [{ value: s.phones[k], types: [...(PHONE_TYPES[k] ?? [])] }] : [],
    ),
    addresses: Object.entries(s.addresses).map(
      ([k, a]): PostalAddress =>
        clean({
          types: [...(ADDRESS_TYPES[k] ?? [])],
          street: a.street,
          locality: a.city,
          region: a.state,
          postalCode: a.postalCode,
          country: a.country,
        }),
    ),
    organization:
      s.companyName || s.department
        ? clean({ name: s.companyName, units: s.department ? [s.department] : [] })
        : undefined,
    title: s.jobTitle,
    // Outlook's convention for a birthday whose year is unknown (vCard --MMDD) is the year 1604.
    birthday: year && month && day ? { ...(year === NO_YEAR ? {} : { year }), month, day } : undefined,
    notes: s.body,
    urls: s.homePage ? [{ value: s.homePage, types: ['work'] }] : [],
    impps: IM_KEYS.flatMap((k) => (s.ims[k] ? [{ value: s.ims[k], types: [] }] : [])),
    categories: s.categories,
  });
}

type Writer = ItemWriter<Contact, ContactItem>;

const text = (v: string | undefined) => (v === undefined || v === '' ? (null as never) : xmlText(v));

/** Picks phone numbers for Exchange's slots: the first number whose TYPEs fit a free slot gets it. */
export function phoneSlots(phones: readonly TypedValue[]): Map<string, string> {
  const slots = new Map<string, string>();
  for (const p of phones) {
    const t = new Set(p.types.map((x) => x.toLowerCase()));
    const wanted = t.has('cell')
      ? ['MobilePhone']
      : t.has('fax')
        ? t.has('home')
          ? ['HomeFax']
          : ['BusinessFax']
        : t.has('pager')
          ? ['Pager']
          : t.has('home')
            ? ['HomePhone', 'HomePhone2']
            : t.has('work')
              ? ['BusinessPhone', 'BusinessPhone2']
              : ['OtherTelephone', 'BusinessPhone', 'HomePhone'];
    const slot = wanted.find((w) => !slots.has(w));
    if (slot) slots.set(slot, p.value);
  }
  return slots;
}

/** Exchange's address slot for an address: Business for work, Home for home, Other for the rest. */
export function addressSlot(a: PostalAddress): keyof typeof PhysicalAddressKey {
  const t = new Set(a.types.map((x) => x.toLowerCase()));
  return t.has('work') ? 'Business' : t.has('home') ? 'Home' : 'Other';
}

const WRITERS: readonly Writer[] = [
  {
    get: (c) => c.formattedName,
    set: (e, c) => {
      e.DisplayName = text(c.formattedName);
    },
  },
  {
    get: (c) => c.name,
    set: (e, c) => {
      e.GivenName = text(c.name?.given);
      e.Surname = text(c.name?.family);
      e.MiddleName = text(c.name?.additional);
      e.Generation = text(c.name?.suffix);
    },
  },
  {
    get: (c) => c.nickname,
    set: (e, c) => {
      e.NickName = text(c.nickname);
    },
  },
  {
    get: (c) => c.organization,
    set: (e, c) => {
      e.CompanyName = text(c.organization?.name);
      e.Department = text(c.organization?.units[0]);
    },
  },
  {
    get: (c) => c.title,
    set: (e, c) => {
      e.JobTitle = text(c.title);
    },
  },
  {
    get: (c) => c.birthday,
    set: (e, c) => {
      const b = c.birthday;
      e.Birthday = b
        ? dateTimeOf(
            `${String(b.year ?? NO_YEAR).padStart(4, '0')}-${String(b.month).padStart(2, '0')}-${String(b.day).padStart(2, '0')}T00:00:00Z`,
          )
        : (null as never);
    },
  },
  {
    get: (c) => c.notes,
    set: (e, c) => {
      e.Body = new MessageBody(BodyType.Text, xmlText(c.notes ?? ''));
    },
  },
  {
    get: (c) => c.urls[0]?.value,
    set: (e, c) => {
      e.BusinessHomePage = text(c.urls[0]?.value);
    },
  },
  {
    get: (c) => c.categories,
    set: (e, c) => {
      e.Categories = stringList(c.categories);
    },
  },
  {
    get: (c) => c.emails.slice(0, 3).map((x) => x.value),
    set: (e, c) => {
      EMAIL_KEYS.forEach((k, i) => {
        const v = c.emails[i]?.value;
        const key = EmailAddressKey[k];
        if (v) e.EmailAddresses._setItem(key, new EmailAddress(xmlText(v)));
        else if (e.EmailAddresses.Contains(key)) e.EmailAddresses._setItem(key, null as never);
      });
    },
  },
  {
    get: (c) => [...phoneSlots(c.phones)],
    set: (e, c, base) => {
      const slots = phoneSlots(c.phones);
      const old = base ? phoneSlots(base.phones) : new Map<string, string>();
      for (const k of Object.keys(PHONE_TYPES)) {
        const key = PhoneNumberKey[k as keyof typeof PhoneNumberKey];
        const v = slots.get(k);
        if (v) e.PhoneNumbers._setItem(key, xmlText(v));
        else if (old.has(k)) e.PhoneNumbers._setItem(key, null as never);
      }
    },
  },
  {
    get: (c) => c.impps.slice(0, 3).map((x) => x.value),
    set: (e, c) => {
      IM_KEYS.forEach((k, i) => {
        const v = c.impps[i]?.value;
        if (v) e.ImAddresses._setItem(ImAddressKey[k], xmlText(v));
      });
    },
  },
  {
    get: (c) => c.addresses,
    set: (e, c) => {
      const used = new Set<string>();
      for (const a of c.addresses) {
        const slot = addressSlot(a);
        if (used.has(slot)) continue;
        used.add(slot);
        const entry = new PhysicalAddressEntry();
        if (a.street) entry.Street = xmlText(a.street);
        if (a.locality) entry.City = xmlText(a.locality);
        if (a.region) entry.State = xmlText(a.region);
        if (a.postalCode) entry.PostalCode = xmlText(a.postalCode);
        if (a.country) entry.CountryOrRegion = xmlText(a.country);
        e.PhysicalAddresses._setItem(PhysicalAddressKey[slot], entry);
      }
    },
  },
];

export function writeContact(e: Contact, next: ContactItem, base?: ContactItem): number {
  return applyWriters(WRITERS, e, next, base);
}
