import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeBody } from './charset.js';

const SWEDISH = 'Blyfri förmakspacemaker – tidig bedömning av Räksmörgås, “citat” och 25 €';

/** windows-1252 bytes of `text` (what a server configured for Latin-1 sends), from its code chart. */
function windows1252(text: string): Buffer {
  const high = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';
  return Buffer.from(
    [...text].map((ch) => {
      const code = ch.codePointAt(0)!;
      if (code < 0x80 || (code >= 0xa0 && code <= 0xff)) return code;
      const at = high.indexOf(ch);
      if (at < 0) throw new Error(`${ch} is not in windows-1252`);
      return 0x80 + at;
    }),
  );
}

function utf16(text: string, order: 'le' | 'be'): Buffer {
  const le = Buffer.from(text, 'utf16le');
  return order === 'le' ? le : Buffer.from(le).swap16();
}

const doc = (body: Buffer, contentType?: string) => ({
  headers: contentType === undefined ? {} : ({ 'content-type': contentType } as Record<string, string>),
  body,
});

describe('decodeBody', () => {
  it.each([
    ['UTF-8 declared as UTF-8', Buffer.from(SWEDISH), 'text/html; charset=utf-8'],
    ['UTF-8 with no charset declared', Buffer.from(SWEDISH), 'application/json'],
    ['UTF-8 declared as ISO-8859-1', Buffer.from(SWEDISH), 'text/html; charset=ISO-8859-1'],
    ['UTF-8 declared as windows-1252', Buffer.from(SWEDISH), 'text/html; charset="windows-1252"'],
    ['Latin-1 declared as UTF-8', windows1252(SWEDISH), 'text/html; charset=utf-8'],
    ['Latin-1 with no charset declared', windows1252(SWEDISH), 'application/rss+xml'],
    ['Latin-1 declared as Latin-1', windows1252(SWEDISH), 'text/html; charset=iso-8859-1'],
    ['Latin-1 under an unknown label', windows1252(SWEDISH), 'text/html; charset=x-no-such'],
    ['a UTF-8 BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(SWEDISH)]), 'text/html'],
    [
      'a UTF-8 BOM under a Latin-1 label',
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(SWEDISH)]),
      'text/html; charset=iso-8859-1',
    ],
    ['UTF-16LE with its BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), utf16(SWEDISH, 'le')]), 'text/xml'],
    [
      'UTF-16BE with its BOM, labelled UTF-8',
      Buffer.concat([Buffer.from([0xfe, 0xff]), utf16(SWEDISH, 'be')]),
      'text/xml; charset=utf-8',
    ],
    ['UTF-16LE declared, no BOM', utf16(SWEDISH, 'le'), 'application/json; charset=utf-16le'],
  ])('reads %s', (_name, body, contentType) => {
    expect(decodeBody(doc(body, contentType))).toBe(SWEDISH);
  });

  it('reads the charset a document declares itself when the header names none', () => {
    const xml = `<?xml version="1.0" encoding="ISO-8859-1"?><rss><title>${SWEDISH}</title></rss>`;
    expect(decodeBody(doc(windows1252(xml), 'application/rss+xml'))).toBe(xml);
    const html = `<html><head><meta charset="windows-1252"></head><body>${SWEDISH}</body></html>`;
    expect(decodeBody(doc(windows1252(html), 'text/html'))).toBe(html);
  });

  it('reads JSON as UTF-8 whatever its bad bytes, and an ASCII page with a few as Latin-1', () => {
    const damaged = Buffer.concat([
      Buffer.from('{"name":"Libre 2'),
      Buffer.from([0xff, 0xc3]),
      Buffer.from(' Sensor"}'),
    ]);
    expect(decodeBody(doc(damaged, 'application/json'))).toBe('{"name":"Libre 2\ufffd\ufffd Sensor"}');
    expect(decodeBody(doc(damaged, 'application/vnd.api+json; charset=utf-8'))).toBe(
      '{"name":"Libre 2\ufffd\ufffd Sensor"}',
    );
    expect(decodeBody(doc(damaged, 'text/html'))).toBe('{"name":"Libre 2ÿÃ Sensor"}');
  });

  it('turns only the bad bytes of damaged UTF-8 into U+FFFD', () => {
    const damaged = Buffer.concat([
      Buffer.from('Räksmörgås '),
      Buffer.from([0xff, 0xc3]),
      Buffer.from(' på bröd'),
    ]);
    expect(decodeBody(doc(damaged, 'text/html; charset=utf-8'))).toBe('Räksmörgås \ufffd\ufffd på bröd');
  });

  it('gives every byte sequence some text, and valid UTF-8 its own (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.constantFrom(undefined, 'text/html; charset=utf-8'),
        (bytes, type) => {
          expect(typeof decodeBody(doc(Buffer.from(bytes), type))).toBe('string');
        },
      ),
      { seed: Number(process.env.FC_SEED ?? 21), numRuns: Number(process.env.FC_RUNS ?? 200) },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        const clean = text.replace(/^\ufeff+/, '');
        expect(decodeBody(doc(Buffer.from(clean), 'text/plain; charset=iso-8859-1'))).toBe(clean);
      }),
      { seed: Number(process.env.FC_SEED ?? 21), numRuns: Number(process.env.FC_RUNS ?? 200) },
    );
  });
});
