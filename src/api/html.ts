/**
 * A tiny HTML template helper where every interpolation is escaped unless it is already
 * `SafeHtml` built by this module. Scraped text (titles, snippets, names) is hostile: it can only
 * ever reach a page as text. There is deliberately no way to mark a runtime string as safe.
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
  '`': '&#96;',
  '=': '&#61;',
};

/** Escapes for both text and (quoted) attribute context. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`=]/g, (ch) => ESCAPES[ch] ?? ch);
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

/**
 * An external link that cannot reach back into the workbench (`noopener`) or leak which
 * candidate a reviewer looked at (`noreferrer`). A URL that is not http(s) is shown as text.
 */
export function externalLink(url: string | null | undefined, text: HtmlValue, className?: string): SafeHtml {
  const href = safeHttpUrl(url);
  if (href === undefined) {
    return url ? html`<span class="not-a-link">${text} (${url})</span>` : html`${text}`;
  }
  return html`<a
    href="${href}"
    rel="noopener noreferrer"
    target="_blank"
    ${className ? html` class="${className}"` : ''}
    >${text}</a
  >`;
}

/** Builds a same-site path with an escaped, URL-encoded query string. */
export function pathWithQuery(
  path: string,
  query: Record<string, string | number | undefined | null>,
): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}
