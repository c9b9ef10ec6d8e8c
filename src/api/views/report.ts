import { html, SafeHtml } from '../html.js';
import { renderMarkdown } from './markdown.js';

// A module constant, not data.
const REPORT_CSS = new SafeHtml(`
body { font:16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:#1b1f24; max-width:900px; margin:2rem auto; padding:0 1rem; }
a { color:#0b4f8a; }
table { border-collapse:collapse; width:100%; margin:.5rem 0 1rem; }
th, td { text-align:left; padding:.35rem .5rem; border:1px solid #c9d1d9; vertical-align:top; }
th { background:#f3f5f7; }
blockquote { margin:.25rem 0 .25rem 1rem; padding:.1rem .6rem; border-left:3px solid #c9d1d9; }
@media print { a { color:inherit; } }
`);

/** The early assessment report as a standalone HTML document (download or print). */
export function reportDocument(
  candidateName: string,
  version: number,
  markdown: string,
  nonce: string,
): string {
  return `<!doctype html>\n${
    html`<html lang="sv">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>Tidig bedömningsrapport: ${candidateName} (version ${version})</title>
        <style nonce="${nonce}">
          ${REPORT_CSS}
        </style>
      </head>
      <body>
        <main>${renderMarkdown(markdown)}</main>
      </body>
    </html>`.value
  }`;
}
