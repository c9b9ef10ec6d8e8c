import { html, safeHttpUrl } from '../text/html.js';
import type { HtmlValue, SafeHtml } from '../text/html.js';

// Helpers only the web pages use; the escaping and the template itself are in src/text/html.ts.

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
