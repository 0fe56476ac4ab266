import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { md4 } from './md4';

const SIGNATURE = Buffer.from('NTLMSSP\0', 'ascii');
const FLAG_UNICODE = 0x00000001;
const FLAG_REQUEST_TARGET = 0x00000004;
const FLAG_NTLM = 0x00000200;
const FLAG_ALWAYS_SIGN = 0x00008000;
const FLAG_TARGET_TYPE_DOMAIN = 0x00010000;
/** Extended session security. Without it @ewsjs/ntlm-client takes a broken NTLMv1 path (reference §2.3). */
export const FLAG_EXTENDED_SESSION_SECURITY = 0x00080000;
const FLAG_TARGET_INFO = 0x00800000;

export class NtlmError extends Error {
  override readonly name = 'NtlmError';
}

/** Decodes `NTLM <base64>` and returns the message type (1, 2 or 3) with its bytes. */
export function decodeNtlmHeader(header: string): { type: number; buf: Buffer } {
  const m = /^(?:NTLM|Negotiate)\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m?.[1]) throw new NtlmError('not an NTLM authorization header');
  const buf = Buffer.from(m[1], 'base64');
  if (buf.length < 12 || !buf.subarray(0, 8).equals(SIGNATURE)) throw new NtlmError('bad NTLM signature');
  return { type: buf.readUInt32LE(8), buf };
}

function avPair(id: number, value: string): Buffer {
  const v = Buffer.from(value, 'utf16le');
  const h = Buffer.alloc(4);
  h.writeUInt16LE(id, 0);
  h.writeUInt16LE(v.length, 2);
  return Buffer.concat([h, v]);
}

/** Builds a CHALLENGE_MESSAGE as a Windows server sends it: Unicode, NTLMv2-capable, with target info. */
export function createType2(
  domain: string,
  server: string,
  challenge: Buffer = randomBytes(8),
): {
  header: string;
  challenge: Buffer;
} {
  const target = Buffer.from(domain, 'utf16le');
  const info = Buffer.concat([
    avPair(2, domain),
    avPair(1, server),
    avPair(4, `${domain.toLowerCase()}.local`),
    avPair(3, `${server.toLowerCase()}.${domain.toLowerCase()}.local`),
    Buffer.alloc(4),
  ]);
  const head = Buffer.alloc(48);
  SIGNATURE.copy(head, 0);
  head.writeUInt32LE(2, 8);
  head.writeUInt16LE(target.length, 12);
  head.writeUInt16LE(target.length, 14);
  head.writeUInt32LE(48, 16);
  head.writeUInt32LE(
    FLAG_UNICODE |
      FLAG_REQUEST_TARGET |
      FLAG_NTLM |
      FLAG_ALWAYS_SIGN |
      FLAG_TARGET_TYPE_DOMAIN |
      FLAG_EXTENDED_SESSION_SECURITY |
      FLAG_TARGET_INFO,
    20,
  );
  challenge.copy(head, 24);
  head.writeUInt16LE(info.length, 40);
  head.writeUInt16LE(info.length, 42);
  head.writeUInt32LE(48 + target.length, 44);
  const msg = Buffer.concat([head, target, info]);
  return { header: `NTLM ${msg.toString('base64')}`, challenge };
}

export interface Type3 {
  readonly domain: string;
  readonly user: string;
  readonly workstation: string;
  readonly ntResponse: Buffer;
}

function secBuf(buf: Buffer, at: number): Buffer {
  const len = buf.readUInt16LE(at);
  const off = buf.readUInt32LE(at + 4);
  if (off + len > buf.length) throw new NtlmError('NTLM security buffer out of range');
  return buf.subarray(off, off + len);
}

export function parseType3(buf: Buffer): Type3 {
  if (buf.length < 52 || buf.readUInt32LE(8) !== 3) throw new NtlmError('not an NTLM type 3 message');
  // Unicode was negotiated in our type 2, so names are UTF-16LE.
  return {
    ntResponse: secBuf(buf, 20),
    domain: secBuf(buf, 28).toString('utf16le'),
    user: secBuf(buf, 36).toString('utf16le'),
    workstation: secBuf(buf, 44).toString('utf16le'),
  };
}

/** Checks an NTLMv2 response (MS-NLMP 3.3.2) against the password; NTLMv1 responses are refused. */
export function verifyNtlmV2(t3: Type3, challenge: Buffer, password: string): boolean {
  if (t3.ntResponse.length <= 24) return false;
  const ntHash = md4(Buffer.from(password, 'utf16le'));
  const v2Hash = createHmac('md5', ntHash)
    .update(Buffer.from(t3.user.toUpperCase() + t3.domain, 'utf16le'))
    .digest();
  const proof = t3.ntResponse.subarray(0, 16);
  const blob = t3.ntResponse.subarray(16);
  const expected = createHmac('md5', v2Hash)
    .update(Buffer.concat([challenge, blob]))
    .digest();
  return timingSafeEqual(proof, expected);
}
