/**
 * HTML escaping and a tiny template helper where every interpolation is escaped unless it is
 * already `SafeHtml` built by this module, for the web pages, the report file and the alert
 * e-mails alike. Scraped text (titles, snippets, names) is hostile: it can only ever reach a page
 * as text. There is deliberately no way to mark a runtime string as safe.
 */

const brand = Symbol('SafeHtml');

export class SafeHtml {
  readonly [brand] = true;
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Text as HTML, safe in element content and in a quoted attribute value of either quote. Every
 * attribute the code writes is quoted; in an unquoted one no escaping would help (a space ends
 * it), so `=` and the backtick are left as they are.
 */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => ESCAPES[ch] ?? ch);
}

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.value;
  if (value === null || value === undefined || value === false || value === true) return '';
  if (Array.isArray(value)) return (value as readonly HtmlValue[]).map(render).join('');
  return escapeHtml(String(value));
}

/** `html\`<p>${text}</p>\`` — every `${}` is escaped; nested `html` results pass through. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, index) => {
    out += render(value) + (strings[index + 1] ?? '');
  });
  return new SafeHtml(out);
}

/** Joins fragments (each escaped unless already safe). */
export function join(values: readonly HtmlValue[], separator: HtmlValue = ''): SafeHtml {
  const sep = render(separator);
  return new SafeHtml(values.map(render).join(sep));
}

/**
 * Only absolute http(s) URLs may become links: feed links can be `javascript:` or `data:` URLs.
 * Returns the normalised URL, or undefined when the value must stay text.
 */
export function safeHttpUrl(value: string | null | undefined): string | undefined {
  if (typeof value !== 'string' || value.length > 4096) return undefined;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username !== '' || url.password !== '') return undefined;
  return url.href;
}
