import { decodeXML } from 'entities';

/**
 * A linear reader for the few SpreadsheetML parts a workbook adapter needs. A general XML parser
 * (fast-xml-parser) spends microseconds per element and per character reference, so a hostile
 * part within the size cap (a million `&#65;`, or half a million empty elements) took seconds.
 * This one walks the text once with indexOf and a sticky tag pattern, checks that tags nest,
 * refuses any DTD or declaration (no OOXML part has one, and none may expand entities), and
 * leaves decoding to the caller, which decodes only the text it keeps.
 */

export class XmlError extends Error {
  constructor(readonly reason: 'dtd' | 'malformed' | 'too-deep') {
    super(reason);
    this.name = 'XmlError';
  }
}

export interface XmlHandlers {
  /** `name` without its namespace prefix; `attributes` is the raw text, see `attributesOf`. */
  open(name: string, attributes: string, selfClosing: boolean): void;
  close(name: string): void;
  /** Raw text between tags (undecoded unless `cdata`); never called outside the root element. */
  text(raw: string, cdata: boolean): void;
}

// `<name attr="v" attr='v' ...>` or `</name>`, anchored where a tag starts. Attribute values may
// hold `>`; the quantifiers cannot overlap, so a failed match costs the length of the tag once.
const TAG = /<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[^\s=/>"']+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/y;
const MAX_DEPTH = 64;

const QUESTION = 0x3f;
const BANG = 0x21;
const SLASH = 0x2f;
const GT = 0x3e;

function isNameCode(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) || // a-z
    (code >= 0x41 && code <= 0x5a) || // A-Z
    (code >= 0x30 && code <= 0x39) || // 0-9
    code === 0x5f || // _
    code === 0x3a || // :
    code === 0x2d || // -
    code === 0x2e // .
  );
}

/** `<name>`, `</name>` or `<name/>` at `lt` (no attributes, no spaces); undefined otherwise. */
function plainTag(
  text: string,
  lt: number,
): { name: string; closing: boolean; selfClosing: boolean; end: number } | undefined {
  const closing = text.charCodeAt(lt + 1) === SLASH;
  const start = closing ? lt + 2 : lt + 1;
  let k = start;
  while (k < text.length && isNameCode(text.charCodeAt(k))) k++;
  if (k === start || !/[A-Za-z_]/.test(text[start]!)) return undefined;
  const code = text.charCodeAt(k);
  if (code === GT) return { name: text.slice(start, k), closing, selfClosing: false, end: k + 1 };
  if (!closing && code === SLASH && text.charCodeAt(k + 1) === GT) {
    return { name: text.slice(start, k), closing, selfClosing: true, end: k + 2 };
  }
  return undefined;
}

function localName(name: string): string {
  const colon = name.lastIndexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

function isBlank(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const code = text.charCodeAt(i);
    if (code !== 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) return false;
  }
  return true;
}

function skipTo(text: string, marker: string, from: number): number {
  const at = text.indexOf(marker, from);
  if (at === -1) throw new XmlError('malformed');
  return at + marker.length;
}

/** Walks one XML document, calling the handlers in document order. Throws XmlError. */
export function scanXml(text: string, handlers: XmlHandlers): void {
  const open: string[] = [];
  let seenRoot = false;
  let i = 0;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const end = lt === -1 ? text.length : lt;
    if (end > i) {
      if (open.length > 0) handlers.text(text.slice(i, end), false);
      else if (!isBlank(text, i, end)) throw new XmlError('malformed');
    }
    if (lt === -1) break;
    const second = text.charCodeAt(lt + 1);
    if (second === QUESTION) {
      i = skipTo(text, '?>', lt + 2);
      continue;
    }
    if (second === BANG) {
      if (text.startsWith('<!--', lt)) {
        i = skipTo(text, '-->', lt + 4);
        continue;
      }
      if (!text.startsWith('<![CDATA[', lt)) throw new XmlError('dtd');
      if (open.length === 0) throw new XmlError('malformed');
      i = skipTo(text, ']]>', lt + 9);
      handlers.text(text.slice(lt + 9, i - 3), true);
      continue;
    }
    const plain = plainTag(text, lt);
    if (plain !== undefined) {
      // The common case by far (`<v>`, `</c>`, `<t/>`), read without the pattern.
      i = plain.end;
      if (plain.closing) {
        if (open.pop() !== plain.name) throw new XmlError('malformed');
        handlers.close(localName(plain.name));
        continue;
      }
      if (open.length === 0 && seenRoot) throw new XmlError('malformed');
      seenRoot = true;
      handlers.open(localName(plain.name), '', plain.selfClosing);
      if (plain.selfClosing) handlers.close(localName(plain.name));
      else {
        if (open.length >= MAX_DEPTH) throw new XmlError('too-deep');
        open.push(plain.name);
      }
      continue;
    }
    TAG.lastIndex = lt;
    const tag = TAG.exec(text);
    if (!tag) throw new XmlError('malformed');
    i = TAG.lastIndex;
    const [, slash, name, attributes, selfClosing] = tag as unknown as [
      string,
      string,
      string,
      string,
      string,
    ];
    if (slash) {
      if (attributes !== '' || selfClosing || open.pop() !== name) throw new XmlError('malformed');
      handlers.close(localName(name));
      continue;
    }
    if (open.length === 0 && seenRoot) throw new XmlError('malformed');
    seenRoot = true;
    handlers.open(localName(name), attributes, selfClosing === '/');
    if (selfClosing) {
      handlers.close(localName(name));
      continue;
    }
    if (open.length >= MAX_DEPTH) throw new XmlError('too-deep');
    open.push(name);
  }
  if (open.length > 0 || !seenRoot) throw new XmlError('malformed');
}

const NO_ATTRIBUTES: ReadonlyMap<string, string> = new Map();
const ATTRIBUTE = /([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

/** The attributes of a tag by their full names (`r`, `t`, `r:id`), values decoded. */
export function attributesOf(raw: string): ReadonlyMap<string, string> {
  if (raw === '') return NO_ATTRIBUTES;
  const attributes = new Map<string, string>();
  for (const match of raw.matchAll(ATTRIBUTE)) {
    attributes.set(match[1]!, decodeXML(match[2] ?? match[3] ?? ''));
  }
  return attributes;
}
