import type { PartialDate, Photo, PostalAddress, TypedValue } from '@exsync/core';
import type { JParams, JProp } from '../text/jcal';
import { param, paramList } from '../text/jcal';

/** vCard 4 (RFC 6350) or 3 (RFC 2426; 2.1 is upgraded on input): they differ in PREF and value syntax. */
export type VCardVersion = '3.0' | '4.0';

/** Type words that carry no meaning of their own in a model value. */
const NOISE = new Set(['pref', 'internet', 'x400']);

export function typesOf(p: JProp): string[] {
  return paramList(p, 'type')
    .map((t) => t.toLowerCase())
    .filter((t) => !NOISE.has(t));
}

export function prefOf(p: JProp): number | undefined {
  const n = Number.parseInt(param(p, 'pref') ?? '', 10);
  if (Number.isFinite(n)) return n;
  return paramList(p, 'type').some((t) => t.toLowerCase() === 'pref') ? 1 : undefined;
}

export function toTyped(p: JProp, value: string): TypedValue {
  const pref = prefOf(p);
  const types = typesOf(p);
  return pref === undefined ? { value, types } : { value, types, pref };
}

/** Type and preference parameters in the card's own style, keeping the property's other parameters. */
export function typedParams(
  base: JParams | undefined,
  v: { types: readonly string[]; pref?: number },
  version: VCardVersion,
) {
  const params: JParams = { ...base };
  delete params.type;
  delete params.pref;
  const oldTypes = base?.type === undefined ? [] : Array.isArray(base.type) ? base.type : [base.type];
  // Keep "internet" where the writer used it: clients that expect it (old Outlook) still find it.
  const keepNoise = oldTypes.flatMap((t) => t.split(',')).filter((t) => ['internet', 'x400'].includes(t.toLowerCase()));
  const types = [...keepNoise, ...v.types];
  if (version === '3.0' && v.pref !== undefined) types.push('pref');
  if (types.length === 1) params.type = types[0]!;
  else if (types.length > 1) params.type = types;
  if (version === '4.0' && v.pref !== undefined) params.pref = String(v.pref);
  return params;
}

/** BDAY/ANNIVERSARY values as ical.js gives them: 1980-01-02, 19800102, --03-10, --0310, 1980-01-02T…, text. */
export function toPartialDate(p: JProp): PartialDate | undefined {
  const v = String(p[3] ?? '').trim();
  let m = /^(\d{4})-?(\d{2})-?(\d{2})/.exec(v);
  let year: number | undefined;
  let month: number;
  let day: number;
  if (m) {
    year = Number(m[1]);
    month = Number(m[2]);
    day = Number(m[3]);
  } else {
    m = /^--(\d{2})-?(\d{2})/.exec(v);
    if (!m) return undefined;
    month = Number(m[1]);
    day = Number(m[2]);
  }
  // Apple stores yearless birthdays as 1604 and says so with X-APPLE-OMIT-YEAR.
  if (year !== undefined && param(p, 'x-apple-omit-year') === String(year)) year = undefined;
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  return year === undefined ? { month, day } : { year, month, day };
}

export function fromPartialDate(d: PartialDate, version: VCardVersion, base?: JProp): JProp {
  const md = `${pad(d.month)}-${pad(d.day)}`;
  const params: JParams = { ...base?.[1] };
  delete params['x-apple-omit-year'];
  if (d.year !== undefined) return [base?.[0] ?? 'bday', params, 'date', `${String(d.year).padStart(4, '0')}-${md}`];
  if (version === '4.0') return [base?.[0] ?? 'bday', params, 'date-and-or-time', `--${md}`];
  // vCard 3 has no yearless date; Apple's convention is understood by Apple, Nextcloud and DAVx5.
  params['x-apple-omit-year'] = '1604';
  return [base?.[0] ?? 'bday', params, 'date', `1604-${md}`];
}

const MEDIA: Record<string, string> = { JPEG: 'image/jpeg', JPG: 'image/jpeg', PNG: 'image/png', GIF: 'image/gif' };

export function toPhoto(p: JProp): Photo | undefined {
  const v = String(p[3] ?? '').trim();
  if (v === '') return undefined;
  const data = /^data:([^;,]+)?(;base64)?,(.*)$/s.exec(v);
  if (data) return { data: data[3]!, mediaType: data[1] ?? 'application/octet-stream' };
  const encoding = (param(p, 'encoding') ?? '').toLowerCase();
  // A value that is no URI is inline data even when ENCODING is missing (Thunderbird writes that).
  if (encoding === 'b' || encoding === 'base64' || p[2] === 'binary' || !/^[a-z][a-z0-9+.-]*:/i.test(v)) {
    const type = (param(p, 'type') ?? param(p, 'mediatype') ?? '').toUpperCase();
    const mediaType = type.includes('/') ? type.toLowerCase() : (MEDIA[type] ?? 'image/jpeg');
    return { data: v.replace(/\s+/g, ''), mediaType };
  }
  return { uri: v };
}

export function fromPhoto(photo: Photo, version: VCardVersion, base?: JProp): JProp {
  const params: JParams = { ...base?.[1] };
  for (const k of ['encoding', 'type', 'mediatype', 'value']) delete params[k];
  if ('uri' in photo) return ['photo', params, 'uri', photo.uri];
  if (version === '4.0') return ['photo', params, 'uri', `data:${photo.mediaType};base64,${photo.data}`];
  const sub = photo.mediaType.split('/')[1]?.toUpperCase() ?? 'JPEG';
  return ['photo', { ...params, encoding: 'b', type: sub }, 'binary', photo.data];
}

const ADR_KEYS = ['poBox', 'extended', 'street', 'locality', 'region', 'postalCode', 'country'] as const;

export function toAddress(p: JProp): PostalAddress {
  const parts = Array.isArray(p[3]) ? (p[3] as unknown[]) : [p[3]];
  const a: Record<string, unknown> = { types: typesOf(p) };
  const pref = prefOf(p);
  if (pref !== undefined) a.pref = pref;
  ADR_KEYS.forEach((k, i) => {
    const raw = parts[i];
    const s = (Array.isArray(raw) ? raw.join(',') : String(raw ?? '')).trim();
    if (s !== '') a[k] = s;
  });
  const label = param(p, 'label');
  if (label) a.label = label;
  return a as unknown as PostalAddress;
}

export function fromAddress(a: PostalAddress, version: VCardVersion, base?: JProp): JProp {
  const params = typedParams(base?.[1], a, version);
  // vCard 3.0 has no LABEL parameter (the label goes in a LABEL property) unless the card already used one.
  if (a.label && (version === '4.0' || base?.[1].label !== undefined)) params.label = a.label;
  else delete params.label;
  return ['adr', params, 'text', ADR_KEYS.map((k) => a[k] ?? '')];
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
