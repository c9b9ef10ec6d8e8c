import { html, join } from '../../text/html.js';
import { externalLink } from '../html.js';
import type { SafeHtml } from '../../text/html.js';

/**
 * A deliberately small Markdown renderer for the reports this system writes: headings, lists,
 * tables, paragraphs, emphasis, code and links. Raw HTML in the source is never passed through
 * (it is text, like every other character), and only http(s) links become links.
 */
export function renderMarkdown(source: string, options: { standalone?: boolean } = {}): SafeHtml {
  // Inside a page, report headings sit under the page's own h1/h2 and start at h3; a standalone
  // document keeps `#` as its h1.
  const offset = options.standalone === true ? 0 : 2;
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const blocks: SafeHtml[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === '') {
      i += 1;
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      const level = Math.min(6, heading[1]!.length + offset);
      blocks.push(html`${tag(`h${level}`, inline(heading[2]!.replace(/\s+#+\s*$/, '')))}`);
      i += 1;
      continue;
    }
    if (/^```/.test(line)) {
      const body: string[] = [];
      i += 1;
      while (i < lines.length && !/^```/.test(lines[i]!)) body.push(lines[i++]!);
      i += 1;
      blocks.push(html`<pre><code>${body.join('\n')}</code></pre>`);
      continue;
    }
    if (/^\s*\|.*\|\s*$/.test(line) && i + 1 < lines.length && /^\s*\|?\s*:?-{2,}/.test(lines[i + 1]!)) {
      const rows: string[][] = [];
      const cells = (row: string): string[] =>
        row
          .trim()
          .replace(/^\|/, '')
          .replace(/\|$/, '')
          .split(/(?<!\\)\|/)
          .map((c) => c.trim().replace(/\\\|/g, '|'));
      const head = cells(line);
      i += 2;
      while (i < lines.length && /^\s*\|.*\|\s*$/.test(lines[i]!)) rows.push(cells(lines[i++]!));
      blocks.push(
        html`<table>
          <thead>
            <tr>
              ${head.map((c) => html`<th scope="col">${inline(c)}</th>`)}
            </tr>
          </thead>
          <tbody>
            ${rows.map(
              (r) =>
                html`<tr>
                  ${r.map((c) => html`<td>${inline(c)}</td>`)}
                </tr>`,
            )}
          </tbody>
        </table>`,
      );
      continue;
    }
    const bullet = /^\s*[-*+]\s+/;
    const numbered = /^\s*\d+[.)]\s+/;
    if (bullet.test(line) || numbered.test(line)) {
      const ordered = numbered.test(line);
      const pattern = ordered ? numbered : bullet;
      const items: string[] = [];
      while (
        i < lines.length &&
        (pattern.test(lines[i]!) || (/^\s{2,}\S/.test(lines[i]!) && items.length > 0))
      ) {
        const current = lines[i]!;
        if (pattern.test(current)) items.push(current.replace(pattern, ''));
        else items[items.length - 1] += ` ${current.trim()}`;
        i += 1;
      }
      const lis = items.map((item) => html`<li>${inline(item)}</li>`);
      blocks.push(
        ordered
          ? html`<ol>
              ${lis}
            </ol>`
          : html`<ul>
              ${lis}
            </ul>`,
      );
      continue;
    }
    if (/^>\s?/.test(line)) {
      const quoted: string[] = [];
      while (i < lines.length && /^>\s?/.test(lines[i]!)) quoted.push(lines[i++]!.replace(/^>\s?/, ''));
      blocks.push(html`<blockquote>${inline(quoted.join(' '))}</blockquote>`);
      continue;
    }
    if (/^(-{3,}|\*{3,}|_{3,})\s*$/.test(line)) {
      blocks.push(html`<hr />`);
      i += 1;
      continue;
    }
    const paragraph: string[] = [];
    while (
      i < lines.length &&
      lines[i]!.trim() !== '' &&
      !/^(#{1,6}\s|```|\s*[-*+]\s|\s*\d+[.)]\s|>|\s*\|.*\|\s*$)/.test(lines[i]!)
    ) {
      paragraph.push(lines[i++]!.trim());
    }
    if (paragraph.length === 0) {
      paragraph.push(line.trim());
      i += 1;
    }
    blocks.push(html`<p>${inline(paragraph.join(' '))}</p>`);
  }
  return join(blocks, '\n');
}

function tag(name: string, content: SafeHtml): SafeHtml {
  switch (name) {
    case 'h1':
      return html`<h1>${content}</h1>`;
    case 'h2':
      return html`<h2>${content}</h2>`;
    case 'h3':
      return html`<h3>${content}</h3>`;
    case 'h4':
      return html`<h4>${content}</h4>`;
    case 'h5':
      return html`<h5>${content}</h5>`;
    default:
      return html`<h6>${content}</h6>`;
  }
}

const INLINE =
  /\[([^\]]+)\]\(([^)\s]+)(?:\s+"[^"]*")?\)|<(https?:\/\/[^>\s]+)>|`([^`]+)`|\*\*([^*]+)\*\*|__([^_]+)__|\*([^*\s][^*]*)\*|_([^_\s][^_]*)_/g;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/** Backslash-escaped ASCII punctuation is hidden in the Private Use Area while spans are found. */
function protectEscapes(text: string): string {
  return text.replace(/\\([!-/:-@[-`{-~])/g, (_m, ch: string) =>
    String.fromCharCode(0xe000 + ch.charCodeAt(0)),
  );
}

/** Back to plain characters: escapes restored, entity references decoded (CommonMark). */
function plain(text: string): string {
  return text
    .replace(/[\ue000-\ue07f]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0xe000))
    .replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]+);/gi, (whole, name: string) => {
      if (name.startsWith('#')) {
        const code =
          name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
        return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff)
          ? String.fromCodePoint(code)
          : '\ufffd';
      }
      return ENTITIES[name.toLowerCase()] ?? whole;
    });
}

/** Inline spans; every piece of text between them is escaped by `html`. */
export function inline(text: string): SafeHtml {
  return spans(protectEscapes(text));
}

function spans(text: string): SafeHtml {
  const parts: SafeHtml[] = [];
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    const index = match.index;
    parts.push(html`${plain(text.slice(last, index))}`);
    const [, linkText, linkUrl, autoUrl, code, strong1, strong2, em1, em2] = match;
    if (linkText !== undefined && linkUrl !== undefined) {
      parts.push(externalLink(plain(linkUrl), spans(linkText)));
    } else if (autoUrl !== undefined) parts.push(externalLink(plain(autoUrl), plain(autoUrl)));
    else if (code !== undefined) parts.push(html`<code>${plain(code)}</code>`);
    else if ((strong1 ?? strong2) !== undefined) {
      parts.push(html`<strong>${spans(strong1 ?? strong2 ?? '')}</strong>`);
    } else parts.push(html`<em>${spans(em1 ?? em2 ?? '')}</em>`);
    last = index + match[0].length;
  }
  parts.push(html`${plain(text.slice(last))}`);
  return join(parts);
}
