import type { PartialDate } from './temporal';

export interface StructuredName {
  readonly family?: string;
  readonly given?: string;
  readonly additional?: string;
  readonly prefix?: string;
  readonly suffix?: string;
}

/** A value with vCard TYPE parameters (`work`, `home`, `cell`, `fax`, …, lower-case) and PREF (1 = most preferred). */
export interface TypedValue {
  readonly value: string;
  readonly types: readonly string[];
  readonly pref?: number;
}

export interface PostalAddress {
  readonly types: readonly string[];
  readonly pref?: number;
  readonly poBox?: string;
  readonly extended?: string;
  readonly street?: string;
  readonly locality?: string;
  readonly region?: string;
  readonly postalCode?: string;
  readonly country?: string;
  readonly label?: string;
}

export type Photo = { readonly uri: string } | { readonly data: string /* base64 */; readonly mediaType: string };

export interface ContactItem {
  readonly kind: 'contact';
  readonly uid: string;
  readonly formattedName?: string;
  readonly name?: StructuredName;
  readonly nickname?: string;
  readonly emails: readonly TypedValue[];
  readonly phones: readonly TypedValue[];
  readonly addresses: readonly PostalAddress[];
  readonly organization?: { readonly name?: string; readonly units: readonly string[] };
  readonly title?: string;
  readonly role?: string;
  readonly birthday?: PartialDate;
  readonly anniversary?: PartialDate;
  readonly notes?: string;
  readonly urls: readonly TypedValue[];
  readonly impps: readonly TypedValue[];
  readonly photo?: Photo;
  readonly categories: readonly string[];
}

/** A member of a contact group: a contact we know (by UID) or a bare address. */
export interface GroupMember {
  readonly uid?: string;
  readonly email?: string;
  readonly name?: string;
}

/** A contact group (vCard 4 KIND:group, Apple's X-ADDRESSBOOKSERVER-KIND; Exchange distribution list). */
export interface ContactGroupItem {
  readonly kind: 'group';
  readonly uid: string;
  readonly name: string;
  readonly members: readonly GroupMember[];
  readonly notes?: string;
  readonly categories: readonly string[];
}
