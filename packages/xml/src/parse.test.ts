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

  it('reads character and predefined entity references in text and attributes, skips comments and PIs', () => {
    const n = parseXml(
      '<?xml version="1.0" encoding="utf-8"?>\n<!-- c --><r a="&lt;&#x41;&#66;&apos;&quot;" b="x\ty"><?pi x?>&gt;&#233;&#x1F600;</r>',
    );
    expect(n.attrs).toEqual({ a: '<AB\'"', b: 'x y' });
    expect(n.text).toBe('>é😀');
  });

  it('reads a literal CR LF or CR as LF (XML 1.0 §2.11) but keeps a CR written as &#13;', () => {
    expect(parseXml('<r>a\r\nb\rc&#13;\n<![CDATA[d\r\n]]></r>').text).toBe('a\nb\nc\r\nd\n');
    expect(parseXml('<r a="x\r\ny&#10;z"/>').attrs).toEqual({ a: 'x y\nz' });
  });

  it('refuses DTDs, undeclared prefixes, malformed XML and several roots', () => {
    for (const bad of [
      '<!DOCTYPE r [<!ENTITY e "x">]><r>&e;</r>',
      '<p:r/>',
      '<r><a></r>',
      '<r/><s/>',
      '<r>&e;</r>',
      '<r>a & b</r>',
      '<r a="1" a="2"/>',
      '<r a=1/>',
      '<r a="<"/>',
      '<r><a>',
      '<r>&#0;</r>',
      'text<r/>',
      '<r/><?xml version="1.0"?>',
      '< r/>',
      '',
    ]) {
      expect(() => parseXml(bad), bad).toThrow(XmlRejected);
    }
  });
});
