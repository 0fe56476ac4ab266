import { type ContentLine, foldLine, lineName, type SplitText, splitContentLines } from './content-lines';
import { decodeWindows1252 } from './windows-1252';

/**
 * Safe, local repairs of what real clients write, applied before ical.js sees the text. Each one restores the
 * meaning the writer evidently intended; anything we cannot repair this confidently is left for the parser to
 * reject. When nothing needed repair the text is returned unchanged (same string), so untouched items keep their
 * bytes.
 */
export interface Repaired {
  readonly text: string;
  readonly repairs: readonly string[];
  /** `text`'s content lines, when the line repairs changed nothing (the parse needs them again; one split saved). */
  readonly split?: SplitText;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
const CONTROL_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

export function repairText(input: string): Repaired {
  const repairs: string[] = [];
  let text = input;
  if (CONTROL_CHARS.test(text)) {
    // RFC 5545/6350 forbid control characters; they are never content, only corruption.
    text = text.replace(CONTROL_CHARS, '');
    repairs.push('removed control characters');
  }
  if (/^\s+BEGIN:/i.test(text)) {
    text = text.trimStart();
    repairs.push('leading blank lines');
  }
  if (/\r\r+\n/.test(text)) {
    // iPhone vCards end lines with CR CR LF; read as two breaks, the blank line would cut every folded line.
    text = text.replace(/\r\r+\n/g, '\r\n');
    repairs.push('CR CR LF line breaks');
  }
  if (/\r(?!\n)/.test(text)) {
    text = text.replace(/\r(?!\n)/g, '\r\n');
    repairs.push('lone CR line breaks');
  }
  const isVCard = /^\s*BEGIN:VCARD/i.test(text);
  if (isVCard && /QUOTED-PRINTABLE/i.test(text)) {
    const joined = joinQuotedPrintableSoftBreaks(text);
    if (joined !== text) {
      text = joined;
      repairs.push('joined quoted-printable soft line breaks');
    }
  }
  const split = splitContentLines(text);
  const { lead, lines } = split;
  let changed = false;
  const out: string[] = [lead];
  const isV21 = isVCard && lines.some((l) => /^VERSION:2\.1\s*$/i.test(l.text));
  const newline = /\r\n/.test(text) ? '\r\n' : '\n';
  let depth = 0;
  for (const line of lines) {
    const boundary = /^(BEGIN|END):/i.exec(line.text)?.[1]?.toUpperCase();
    if (depth === 0 && boundary !== 'BEGIN') {
      // A line outside every component (a stray line after END:VCALENDAR, a mail header before BEGIN) belongs
      // to no object; ical.js would fail on it with a TypeError. A second object (BEGIN) is kept and refused.
      changed = true;
      repairs.push('dropped content outside the object');
      continue;
    }
    if (boundary === 'BEGIN') depth++;
    else if (boundary === 'END') depth--;
    const fixed = repairLine(line, isVCard, isV21, repairs);
    if (fixed === line.text) out.push(line.raw);
    else {
      changed = true;
      out.push(foldLine(fixed, newline));
    }
  }
  if (!changed) return { text, repairs, split };
  return { text: out.join(''), repairs: [...new Set(repairs)] };
}

function repairLine(line: ContentLine, isVCard: boolean, isV21: boolean, repairs: string[]): string {
  let text = line.text;
  const split = splitNameParamsValue(text);
  if (!split) return text;
  if (split.quotedValue) {
    // `DTSTART;TZID="W. Europe Standard Time:20200609T090000"`: the closing quote slipped past the colon.
    text = `${split.head}":${split.quotedValue}`;
    repairs.push('misplaced quote in a parameter');
    return text;
  }
  const name = lineName(text);
  if (!isVCard && (name === 'RRULE' || name === 'EXRULE') && /\s/.test(split.value)) {
    // Exchange's CDO writes `BYDAY=MO, TU`; a recurrence rule holds no whitespace, so removing it is lossless.
    repairs.push('spaces in a recurrence rule');
    return `${split.head}:${split.value.replace(/\s+/g, '')}`;
  }
  if (!isVCard) return text;
  if (isV21 && name === 'VERSION') {
    repairs.push('vCard 2.1 upgraded to 3.0');
    return text.replace(/2\.1/, '3.0');
  }
  const params = split.params;
  if (params.length === 0) return text;
  let encoding: string | undefined;
  let charset: string | undefined;
  const types: string[] = [];
  const kept: string[] = [];
  let touched = false;
  for (const param of params) {
    const eq = param.indexOf('=');
    const key = (eq === -1 ? '' : param.slice(0, eq)).toUpperCase();
    const value = eq === -1 ? param : param.slice(eq + 1);
    if (eq === -1) {
      touched = true;
      if (/^(QUOTED-PRINTABLE|BASE64|8BIT|7BIT|B)$/i.test(value)) encoding = value.toUpperCase();
      else types.push(value);
    } else if (key === 'ENCODING' && !/^b$/i.test(value)) {
      touched = true;
      encoding = value.toUpperCase();
    } else if (key === 'CHARSET') {
      touched = true;
      charset = value;
    } else kept.push(param);
  }
  if (!touched) return text;
  let value = split.value;
  if (encoding === 'QUOTED-PRINTABLE') value = decodeQuotedPrintable(value, charset);
  if (encoding === 'BASE64' || encoding === 'B') {
    kept.push('ENCODING=b');
    value = value.replace(/\s+/g, '');
  }
  if (types.length > 0) kept.push(`TYPE=${types.join(',')}`);
  repairs.push('vCard 2.1 parameters');
  return [split.name, ...kept].join(';') + ':' + value;
}

interface NameParamsValue {
  readonly name: string;
  readonly params: string[];
  readonly value: string;
  readonly head: string;
  /** Set when the only colon sits inside the last quoted parameter value. */
  readonly quotedValue?: string;
}

/** Splits `NAME;P=V;P="a:b":value` honouring quotes; undefined when the line has no value delimiter at all. */
function splitNameParamsValue(text: string): NameParamsValue | undefined {
  let inQuote = false;
  const params: string[] = [];
  let segStart = -1;
  let name = '';
  let quoteStart = -1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      inQuote = !inQuote;
      if (inQuote) quoteStart = i;
      continue;
    }
    if (inQuote) continue;
    if (ch === ';' || ch === ':') {
      if (segStart === -1) name = text.slice(0, i);
      else params.push(text.slice(segStart, i));
      segStart = i + 1;
      if (ch === ':') return { name, params, value: text.slice(i + 1), head: text.slice(0, i) };
    }
  }
  if (inQuote || quoteStart === -1) return undefined;
  const quoted = text.slice(quoteStart + 1, -1);
  const colon = quoted.lastIndexOf(':');
  if (!text.endsWith('"') || colon === -1) return undefined;
  return {
    name,
    params,
    value: '',
    head: text.slice(0, quoteStart + 1 + colon),
    quotedValue: quoted.slice(colon + 1),
  };
}

/** vCard 2.1 quoted-printable values continue on the next physical line after a trailing `=`. */
function joinQuotedPrintableSoftBreaks(text: string): string {
  const lines = text.split(/(?<=\n)/);
  const out: string[] = [];
  let open = false;
  for (const physical of lines) {
    const body = physical.replace(/\r?\n$/, '');
    if (open) {
      out[out.length - 1] = out[out.length - 1]!.replace(/=\r?\n$/, '') + physical;
    } else out.push(physical);
    const isQpStart = /^[^:]*QUOTED-PRINTABLE[^:]*:/i.test(body);
    open = (open || isQpStart) && body.endsWith('=');
  }
  return out.join('');
}

function decodeQuotedPrintable(value: string, charset: string | undefined): string {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === '=' && /^[0-9A-Fa-f]{2}$/.test(value.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else for (const b of Buffer.from(ch, 'utf8')) bytes.push(b);
  }
  const decoded = decodeBytes(Uint8Array.from(bytes), charset);
  // Line breaks inside a value become the escaped `\n` of vCard 3.0 text.
  return decoded.replace(/\r\n|\r|\n/g, '\\n');
}

/**
 * The bytes of a quoted-printable value in the CHARSET it names. Without one (or with UTF-8), the bytes are UTF-8
 * only when they are valid UTF-8; otherwise they are Windows-1252, the charset of every 2.1 writer that omits it
 * (Outlook, old Nokia and Sony Ericsson phones): `M=FCller` is Müller, not M\uFFFDller.
 */
function decodeBytes(bytes: Uint8Array, charset: string | undefined): string {
  const label = charset?.trim().toLowerCase();
  if (label && !/^(utf-?8|us-ascii|ascii)$/.test(label)) {
    const latin = /^(iso-8859-1|latin-?1|l1|windows-1252|cp1252)$/.test(label);
    if (latin) return decodeWindows1252(bytes);
    try {
      return new TextDecoder(label).decode(bytes);
    } catch {
      // A charset the runtime does not know: fall through to the guess below.
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return decodeWindows1252(bytes);
  }
}
