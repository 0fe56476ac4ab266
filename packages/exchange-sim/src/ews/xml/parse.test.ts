import { describe, expect, it } from 'vitest';
import { parseXml, XmlRejected } from './parse';

describe('parseXml', () => {
  it('resolves prefixes and default namespaces to namespace URIs', () => {
    const n = parseXml('<a:r xmlns:a="urn:a" xmlns="urn:d"><x/><b:y xmlns:b="urn:a" k="1">t &amp; u</b:y></a:r>');
    expect([n.ns, n.name]).toEqual(['urn:a', 'r']);
    expect(n.children.map((c) => [c.ns, c.name])).toEqual([
      ['urn:d', 'x'],
      ['urn:a', 'y'],
    ]);
    expect(n.children[1]?.attrs).toEqual({ k: '1' });
    expect(n.children[1]?.text).toBe('t & u');
  });

  it('keeps whitespace inside text and reads CDATA', () => {
    expect(parseXml('<r> a <![CDATA[<b>]]> </r>').text).toBe(' a <b> ');
  });

  it('refuses DTDs, undeclared prefixes, malformed XML and several roots', () => {
    for (const bad of ['<!DOCTYPE r [<!ENTITY e "x">]><r>&e;</r>', '<p:r/>', '<r><a></r>', '<r/><s/>']) {
      expect(() => parseXml(bad), bad).toThrow(XmlRejected);
    }
  });
});
