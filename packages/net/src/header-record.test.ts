import { describe, expect, it } from 'vitest';
import { headerRecord, type RequestHeaders } from './header-record';

/** The record must hold what `new Headers(init)` holds, for every shape of RequestHeaders a caller may pass. */
const asHeaders = (init: RequestHeaders) => Object.fromEntries(new Headers(init).entries());

describe('headerRecord', () => {
  it.each([
    ['a plain object', { 'Content-Type': 'text/calendar', 'If-Match': '"v1"', Depth: '1' }],
    ['names differing only in case, joined', { 'X-A': '1', 'x-a': '2' }],
    ['values with surrounding whitespace', { 'X-B': ' \t two words \r\n', 'X-C': '' }],
    [
      'a list of pairs with a repeated name',
      [
        ['Accept', 'a'],
        ['accept', 'b'],
        ['X-D', ' d '],
      ] as [string, string][],
    ],
    ['a Headers', new Headers({ Authorization: 'Basic x', 'If-None-Match': '*' })],
  ])('%s gives what Headers gives', (_name, init) => {
    expect(headerRecord(init)).toEqual(asHeaders(init));
  });

  it('nothing gives an empty record, and a malformed list throws as Headers does', () => {
    expect(headerRecord(undefined)).toEqual({});
    expect(() => headerRecord([['only-a-name']] as unknown as [string, string][])).toThrow(TypeError);
  });
});
