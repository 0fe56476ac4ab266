import { describe, expect, it } from 'vitest';
import { md4 } from './md4';
import { createType2, decodeNtlmHeader, FLAG_EXTENDED_SESSION_SECURITY, parseType3, verifyNtlmV2 } from './ntlm';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('MD4', () => {
  it('matches the RFC 1320 test suite', () => {
    expect(md4(Buffer.from('')).toString('hex')).toBe('31d6cfe0d16ae931b73c59d7e0c089c0');
    expect(md4(Buffer.from('message digest')).toString('hex')).toBe('d9130a8164549fe818874806e1c7014b');
    expect(md4(Buffer.from('1234567890'.repeat(8))).toString('hex')).toBe('e33b4ddc9c38f2199c3e7b164fcc0536');
  });
});

describe('NTLMv2 verification', () => {
  // MS-NLMP 4.2.4: User "User", domain "Domain", password "Password", server challenge 0123456789abcdef,
  // client challenge aa*8, time 0, AV pairs NbDomainName "Domain" and NbComputerName "Server".
  const avPairs = hex('02000c0044006f006d00610069006e0001000c005300650072007600650072000000 0000');
  const blob = Buffer.concat([
    hex('0101000000000000'),
    hex('0000000000000000'),
    hex('aaaaaaaaaaaaaaaa'),
    hex('00000000'),
    avPairs,
    hex('00000000'),
  ]);
  const ntResponse = Buffer.concat([hex('68cd0ab851e51c96aabc927bebef6a1c'), blob]);
  const challenge = hex('0123456789abcdef');

  it('accepts the specification test vector and refuses a wrong password', () => {
    const t3 = { user: 'User', domain: 'Domain', workstation: 'COMPUTER', ntResponse };
    expect(verifyNtlmV2(t3, challenge, 'Password')).toBe(true);
    expect(verifyNtlmV2(t3, challenge, 'password')).toBe(false);
    expect(verifyNtlmV2(t3, hex('0000000000000000'), 'Password')).toBe(false);
  });

  it('refuses NTLMv1 (24-byte) responses', () => {
    expect(
      verifyNtlmV2(
        { user: 'User', domain: 'Domain', workstation: '', ntResponse: Buffer.alloc(24) },
        challenge,
        'Password',
      ),
    ).toBe(false);
  });

  it('builds a type 2 message with Unicode, target info and extended session security', () => {
    const { header, challenge: c } = createType2('CONTOSO', 'EXCH01', challenge);
    const { type, buf } = decodeNtlmHeader(header);
    expect(type).toBe(2);
    const flags = buf.readUInt32LE(20);
    expect(flags & FLAG_EXTENDED_SESSION_SECURITY).toBeTruthy();
    expect(flags & 0x00800000).toBeTruthy();
    expect(flags & 0x1).toBeTruthy();
    expect(buf.subarray(24, 32)).toEqual(c);
    expect(buf.subarray(buf.readUInt32LE(16), buf.readUInt32LE(16) + buf.readUInt16LE(12)).toString('utf16le')).toBe(
      'CONTOSO',
    );
  });

  it('rejects truncated type 3 messages with a typed error instead of crashing', () => {
    expect(() => parseType3(Buffer.from('NTLMSSP\0\x03\0\0\0', 'binary'))).toThrow(/type 3/);
    const bad = Buffer.alloc(64);
    Buffer.from('NTLMSSP\0', 'binary').copy(bad);
    bad.writeUInt32LE(3, 8);
    bad.writeUInt16LE(500, 20);
    bad.writeUInt32LE(60, 24);
    expect(() => parseType3(bad)).toThrow(/out of range/);
  });
});
