import { describe, expect, it } from 'vitest';
import { decodeXML } from 'entities';
import { attributesOf, scanXml, XmlError } from './ooxml.js';
import type { XmlHandlers } from './ooxml.js';

function events(text: string): string[] {
  const seen: string[] = [];
  const handlers: XmlHandlers = {
    open: (name, attributes, selfClosing) => seen.push(`<${name}${attributes}${selfClosing ? '/' : ''}>`),
    close: (name) => seen.push(`</${name}>`),
    text: (raw, cdata) => seen.push(cdata ? `cdata:${raw}` : `text:${raw}`),
  };
  scanXml(text, handlers);
  return seen;
}

function reason(text: string): string | undefined {
  try {
    events(text);
    return undefined;
  } catch (error) {
    if (error instanceof XmlError) return error.reason;
    throw error;
  }
}

describe('XML character references (the entities package)', () => {
  it('decodes the predefined entities and character references once, and leaves the rest', () => {
    expect(decodeXML('a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos;')).toBe(`a & b <c> "d" 'e'`);
    expect(decodeXML('&#65;&#x42;&#X43;&#229;')).toBe('ABCå');
    expect(decodeXML('&amp;lt;')).toBe('&lt;');
    expect(decodeXML('&#65 &#; &#x; &nbsp; & &&amp;')).toBe('&#65 &#; &#x; &nbsp; & &&');
    // As the HTML specification reads them: no code point, no character.
    expect(decodeXML('&#0; &#x110000; &#xD800;')).toBe('\ufffd \ufffd \ufffd');
    expect(decodeXML('&#x1F600;')).toBe('😀');
  });

  // A document of a million references or bare ampersands decodes whole; speed belongs to W2
  // (the benchmark), not to a clock in a unit test.
  it('decodes a million references and a million bare ampersands', () => {
    expect(decodeXML('&#65;'.repeat(1_000_000))).toBe('A'.repeat(1_000_000));
    expect(decodeXML('&'.repeat(1_000_000))).toBe('&'.repeat(1_000_000));
  });
});

describe('scanXml', () => {
  it('reports tags, attributes and text in order, with prefixes dropped from element names', () => {
    expect(
      events(
        '<?xml version="1.0"?>\n<x:sst a="1"><!-- c --><si><t xml:space="preserve"> a&amp;b </t><t/></si><![CDATA[<z>]]></x:sst>\n',
      ),
    ).toEqual([
      '<sst a="1">',
      '<si>',
      '<t xml:space="preserve">',
      'text: a&amp;b ',
      '</t>',
      '<t/>',
      '</t>',
      '</si>',
      'cdata:<z>',
      '</sst>',
    ]);
    expect([...attributesOf(` r="A1" t='s' title="a &gt; b"`)]).toEqual([
      ['r', 'A1'],
      ['t', 's'],
      ['title', 'a > b'],
    ]);
  });

  it('refuses DTDs, broken nesting, a second root, text outside the root and deep nesting', () => {
    expect(reason('<!DOCTYPE sst [<!ENTITY a "b">]><sst/>')).toBe('dtd');
    expect(reason('<sst><!ENTITY a "b"></sst>')).toBe('dtd');
    expect(reason('<sst><si></sst></si>')).toBe('malformed');
    expect(reason('<sst><si>')).toBe('malformed');
    expect(reason('<sst/><sst/>')).toBe('malformed');
    expect(reason('text<sst/>')).toBe('malformed');
    expect(reason('')).toBe('malformed');
    expect(reason('<sst a=1/>')).toBe('malformed');
    expect(reason('<sst><!-- unclosed</sst>')).toBe('malformed');
    expect(reason(`${'<a>'.repeat(65)}${'</a>'.repeat(65)}`)).toBe('too-deep');
    expect(reason(`${'<a>'.repeat(64)}${'</a>'.repeat(64)}`)).toBeUndefined();
  });
});
