import { InvalidItemError } from '@exsync/core';
import { decodeWindows1252 } from './windows-1252';

/**
 * Turns the bytes a server or file gave us into text. iCalendar and vCard are UTF-8 by RFC, but real files come
 * with a BOM, as UTF-16 (Outlook, Roundcube exports) or as Latin-1 (old Thunderbird): decode those rather than
 * reject them, since each is unambiguous once detected.
 */
export function decodeText(input: string | Uint8Array): string {
  if (typeof input === 'string') return checkText(input.startsWith('\uFEFF') ? input.slice(1) : input);
  const bytes = input;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return utf8(bytes.subarray(3));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return utf16(bytes.subarray(2), 'utf-16be');
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return utf16(bytes.subarray(2), 'utf-16le');
  const bom = looksLikeUtf16WithoutBom(bytes);
  if (bom) return utf16(bytes, bom);
  const text = strictUtf8(bytes) ?? strictUtf8(unfoldBytes(bytes));
  // Not valid UTF-8: the only single-byte charset these files are seen in is Windows-1252/Latin-1.
  return checkText(text ?? decodeWindows1252(bytes));
}

function strictUtf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Some writers fold lines by byte count and split a multi-byte character across the fold; unfolding before
 * decoding puts the character back together (RFC 5545 3.1 allows exactly this reading).
 */
function unfoldBytes(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x0d && bytes[i + 1] === 0x0a && (bytes[i + 2] === 0x20 || bytes[i + 2] === 0x09)) {
      i += 2;
      continue;
    }
    if (b === 0x0a && (bytes[i + 1] === 0x20 || bytes[i + 1] === 0x09)) {
      i += 1;
      continue;
    }
    out[n++] = b;
  }
  return out.subarray(0, n);
}

function utf8(bytes: Uint8Array): string {
  const text = strictUtf8(bytes) ?? strictUtf8(unfoldBytes(bytes));
  if (text === undefined)
    throw new InvalidItemError('The item starts with a UTF-8 byte-order mark but is not valid UTF-8.');
  return checkText(text);
}

function utf16(bytes: Uint8Array, encoding: 'utf-16be' | 'utf-16le'): string {
  if (bytes.length % 2 !== 0) throw new InvalidItemError(`The item looks like ${encoding} but has an odd length.`);
  const text = new TextDecoder(encoding).decode(bytes);
  return checkText(text.startsWith('\uFEFF') ? text.slice(1) : text);
}

/** "BEGIN" in UTF-16 without BOM has a zero byte before (BE) or after (LE) every ASCII letter. */
function looksLikeUtf16WithoutBom(bytes: Uint8Array): 'utf-16be' | 'utf-16le' | undefined {
  if (bytes.length < 4) return undefined;
  if (bytes[0] === 0 && bytes[1] !== 0 && bytes[2] === 0 && bytes[3] !== 0) return 'utf-16be';
  if (bytes[0] !== 0 && bytes[1] === 0 && bytes[2] !== 0 && bytes[3] === 0) return 'utf-16le';
  return undefined;
}

/** Text that was decoded wrongly upstream (UTF-16 read as UTF-8) cannot be repaired from the string any more. */
function checkText(text: string): string {
  if (text.includes('\u0000')) {
    throw new InvalidItemError(
      'The item contains NUL characters: it is probably UTF-16 decoded as UTF-8. Pass the raw bytes to decodeText().',
    );
  }
  return text;
}
