import type { ContactItem, PartialDate, PostalAddress, TypedValue } from '@exsync/core';

/** The parts of a Graph `contact` the mapping reads. */
export interface GraphContact {
  readonly id: string;
  readonly '@odata.etag'?: string;
  readonly displayName?: string | null;
  readonly givenName?: string | null;
  readonly middleName?: string | null;
  readonly surname?: string | null;
  readonly title?: string | null;
  readonly generation?: string | null;
  readonly nickName?: string | null;
  readonly emailAddresses?: readonly { readonly name?: string; readonly address?: string }[];
  readonly businessPhones?: readonly string[];
  readonly homePhones?: readonly string[];
  readonly mobilePhone?: string | null;
  readonly businessAddress?: GraphAddress | null;
  readonly homeAddress?: GraphAddress | null;
  readonly otherAddress?: GraphAddress | null;
  readonly companyName?: string | null;
  readonly department?: string | null;
  readonly jobTitle?: string | null;
  readonly profession?: string | null;
  readonly birthday?: string | null;
  readonly personalNotes?: string | null;
  readonly businessHomePage?: string | null;
  readonly imAddresses?: readonly string[];
  readonly categories?: readonly string[];
  readonly lastModifiedDateTime?: string;
}

interface GraphAddress {
  readonly street?: string;
  readonly city?: string;
  readonly state?: string;
  readonly postalCode?: string;
  readonly countryOrRegion?: string;
}

const ADDRESS_SLOTS = [
  ['businessAddress', 'work'],
  ['homeAddress', 'home'],
  ['otherAddress', 'other'],
] as const;

function addressOf(a: GraphAddress | null | undefined, type: string): PostalAddress | undefined {
  if (!a || !(a.street || a.city || a.state || a.postalCode || a.countryOrRegion)) return undefined;
  return {
    types: [type],
    ...(a.street ? { street: a.street } : {}),
    ...(a.city ? { locality: a.city } : {}),
    ...(a.state ? { region: a.state } : {}),
    ...(a.postalCode ? { postalCode: a.postalCode } : {}),
    ...(a.countryOrRegion ? { country: a.countryOrRegion } : {}),
  };
}

function birthdayOf(v: string | null | undefined): PartialDate | undefined {
  const m = v ? /^(\d{4})-(\d{2})-(\d{2})/.exec(v) : null;
  if (!m) return undefined;
  const year = Number(m[1]);
  // Outlook stores a birthday without a year as 1604.
  return { ...(year > 1604 ? { year } : {}), month: Number(m[2]), day: Number(m[3]) };
}

export function contactFromGraph(c: GraphContact, uid: string): ContactItem {
  const name = {
    ...(c.surname ? { family: c.surname } : {}),
    ...(c.givenName ? { given: c.givenName } : {}),
    ...(c.middleName ? { additional: c.middleName } : {}),
    ...(c.title ? { prefix: c.title } : {}),
    ...(c.generation ? { suffix: c.generation } : {}),
  };
  const phones: TypedValue[] = [
    ...(c.businessPhones ?? []).map((value) => ({ value, types: ['work'] })),
    ...(c.homePhones ?? []).map((value) => ({ value, types: ['home'] })),
    ...(c.mobilePhone ? [{ value: c.mobilePhone, types: ['cell'] }] : []),
  ];
  const addresses = ADDRESS_SLOTS.flatMap(([slot, type]) => addressOf(c[slot], type) ?? []);
  const birthday = birthdayOf(c.birthday);
  const emailTypes = ['work', 'home', 'other'];
  return {
    kind: 'contact',
    uid,
    ...(c.displayName ? { formattedName: c.displayName } : {}),
    ...(Object.keys(name).length ? { name } : {}),
    ...(c.nickName ? { nickname: c.nickName } : {}),
    // Exchange has three unnamed e-mail slots; vCard types are kept only on the DAV side's raw object.
    emails: (c.emailAddresses ?? [])
      .filter((e) => e.address)
      .map((e, i) => ({ value: e.address as string, types: [emailTypes[i] ?? 'other'] })),
    phones,
    addresses,
    ...(c.companyName || c.department
      ? {
          organization: {
            ...(c.companyName ? { name: c.companyName } : {}),
            units: c.department ? [c.department] : [],
          },
        }
      : {}),
    ...(c.jobTitle ? { title: c.jobTitle } : {}),
    ...(c.profession ? { role: c.profession } : {}),
    ...(birthday ? { birthday } : {}),
    ...(c.personalNotes ? { notes: c.personalNotes } : {}),
    urls: c.businessHomePage ? [{ value: c.businessHomePage, types: ['work'] }] : [],
    impps: (c.imAddresses ?? []).map((value) => ({ value, types: [] })),
    categories: [...(c.categories ?? [])],
  };
}

function addressTo(a: PostalAddress | undefined): GraphAddress {
  if (!a) return {};
  return {
    ...(a.street ? { street: a.street } : {}),
    ...(a.locality ? { city: a.locality } : {}),
    ...(a.region ? { state: a.region } : {}),
    ...(a.postalCode ? { postalCode: a.postalCode } : {}),
    ...(a.country ? { countryOrRegion: a.country } : {}),
  };
}

const byPref = (a: { pref?: number }, b: { pref?: number }) => (a.pref ?? 100) - (b.pref ?? 100);

export function contactToGraph(c: ContactItem): Record<string, unknown> {
  const phones = [...c.phones].sort(byPref);
  const mobile = phones.find((p) => p.types.includes('cell'));
  const addr = (type: string) => c.addresses.find((a) => a.types.includes(type));
  const work = addr('work');
  const home = addr('home');
  const other = c.addresses.find((a) => a !== work && a !== home);
  const b = c.birthday;
  return {
    displayName: c.formattedName ?? '',
    givenName: c.name?.given ?? '',
    middleName: c.name?.additional ?? '',
    surname: c.name?.family ?? '',
    title: c.name?.prefix ?? '',
    generation: c.name?.suffix ?? '',
    nickName: c.nickname ?? '',
    emailAddresses: [...c.emails]
      .sort(byPref)
      .slice(0, 3)
      .map((e) => ({ address: e.value })),
    businessPhones: phones.filter((p) => p !== mobile && p.types.includes('work')).map((p) => p.value),
    homePhones: phones.filter((p) => p !== mobile && !p.types.includes('work')).map((p) => p.value),
    mobilePhone: mobile?.value ?? '',
    businessAddress: addressTo(work),
    homeAddress: addressTo(home),
    otherAddress: addressTo(other),
    companyName: c.organization?.name ?? '',
    department: c.organization?.units[0] ?? '',
    jobTitle: c.title ?? '',
    profession: c.role ?? '',
    birthday: b ? `${String(b.year ?? 1604).padStart(4, '0')}-${pad(b.month)}-${pad(b.day)}T11:59:00Z` : null,
    personalNotes: c.notes ?? '',
    businessHomePage: c.urls[0]?.value ?? '',
    imAddresses: c.impps.map((i) => i.value),
    categories: [...c.categories],
  };
}

const pad = (n: number) => String(n).padStart(2, '0');
