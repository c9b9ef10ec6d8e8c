import { TextDecoder } from 'node:util';
import type { FetchedDocument } from './types.js';

/**
 * The text of a fetched document. Servers get charsets wrong in both directions (a Latin-1 page
 * sent as UTF-8 turns "Blyfri förmakspacemaker" into "f\uFFFDrmak…", a UTF-8 page labelled
 * ISO-8859-1 into "fÃ¶rmak…"), so the label is weighed against the bytes, as browsers do:
 *
 * 1. A byte order mark decides (UTF-8, UTF-16LE, UTF-16BE) and is not part of the text.
 * 2. Bytes that are valid UTF-8 are UTF-8, whatever single-byte charset was declared: non-ASCII
 *    Latin-1 text is practically never valid UTF-8, mislabelled UTF-8 is common.
 * 3. Otherwise the declared charset: the Content-Type header's, else the document's own (XML
 *    declaration, HTML meta) in its first kilobyte.
 * 4. Declared or assumed UTF-8 that is not: JSON is damaged UTF-8 (its bad bytes become U+FFFD
 *    and nothing else changes); other text with more malformed sequences than well-formed
 *    multi-byte ones is Latin-1 sent as UTF-8 (read as windows-1252, as browsers read
 *    ISO-8859-1), with fewer it is damaged UTF-8 too.
 */
export function decodeBody(doc: Pick<FetchedDocument, 'headers' | 'body'>): string {
  const bytes = doc.body;
  const bom = bomEncoding(bytes);
  // TextDecoder drops a BOM matching its encoding.
  if (bom) return new TextDecoder(bom).decode(bytes);
  const declared = declaredEncoding(doc.headers['content-type'], bytes);
  if (declared !== undefined && declared.startsWith('utf-16')) return new TextDecoder(declared).decode(bytes);
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    // Not UTF-8; see below.
  }
  if (declared === 'windows-1252') return windows1252(bytes);
  if (declared !== undefined && declared !== 'utf-8') return new TextDecoder(declared).decode(bytes);
  // JSON is UTF-8 by definition (RFC 8259 §8.1): its bad bytes are damage, not another charset.
  if (/[/+]json\b/i.test(doc.headers['content-type'] ?? '')) return LENIENT_UTF8.decode(bytes);
  const { wellFormed, malformed } = utf8Census(bytes);
  return malformed > wellFormed ? windows1252(bytes) : LENIENT_UTF8.decode(bytes);
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });
const LENIENT_UTF8 = new TextDecoder('utf-8');

/** windows-1252's characters at 0x80–0x9F; the five bytes it leaves undefined stay C1 controls. */
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d,
  0x17d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a,
  0x153, 0x9d, 0x17e, 0x178,
];

/**
 * windows-1252, which WHATWG (and every browser) uses for ISO-8859-1 and Latin-1 labels. Node 20's
 * TextDecoder('windows-1252') decodes as ISO-8859-1 instead, so "–" (0x96) came out as a C1
 * control and the sanitiser removed it.
 */
function windows1252(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
    .toString('latin1')
    .replace(/[\u0080-\u009f]/g, (ch) => String.fromCharCode(CP1252_HIGH[ch.charCodeAt(0) - 0x80]!));
}

function bomEncoding(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return undefined;
}

/** The WHATWG name of the charset the header or the document declares, if it names a known one. */
function declaredEncoding(contentType: string | undefined, bytes: Uint8Array): string | undefined {
  const label = /charset\s*=\s*["']?([\w.:-]+)/i.exec(contentType ?? '')?.[1] ?? documentCharset(bytes);
  if (label === undefined) return undefined;
  try {
    return new TextDecoder(label).encoding;
  } catch {
    // An unknown label is a server quirk, not a reason to fail: read the bytes for what they are.
    return undefined;
  }
}

/** The charset an XML declaration or an HTML meta element names, in the first kilobyte. */
function documentCharset(bytes: Uint8Array): string | undefined {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 1024)).toString('latin1');
  return (
    /^\s*<\?xml[^>]*\sencoding\s*=\s*["']([\w.:-]+)["']/i.exec(head)?.[1] ??
    /<meta[^>]*\scharset\s*=\s*["']?([\w.:-]+)/i.exec(head)?.[1]
  );
}

/**
 * Counts well-formed multi-byte UTF-8 sequences and malformed bytes (RFC 3629's table: no
 * overlong forms, no surrogates, nothing above U+10FFFF).
 */
function utf8Census(bytes: Uint8Array): { wellFormed: number; malformed: number } {
  let wellFormed = 0;
  let malformed = 0;
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i++;
      continue;
    }
    const length =
      lead >= 0xc2 && lead <= 0xdf
        ? 2
        : lead >= 0xe0 && lead <= 0xef
          ? 3
          : lead >= 0xf0 && lead <= 0xf4
            ? 4
            : 0;
    const second = bytes[i + 1] ?? 0;
    const low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    const high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    let ok = length > 0 && second >= low && second <= high;
    for (let k = 2; ok && k < length; k++) {
      const next = bytes[i + k] ?? 0;
      ok = next >= 0x80 && next <= 0xbf;
    }
    if (ok) {
      wellFormed++;
      i += length;
    } else {
      malformed++;
      i++;
    }
  }
  return { wellFormed, malformed };
}
