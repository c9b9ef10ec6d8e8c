import { html, SafeHtml } from '../../text/html.js';
import { renderMarkdown } from './markdown.js';
import { REPORT_STYLE, renderReportHtml } from '../../domain/report-html.js';

/**
 * The early assessment report as a standalone HTML page (read or print): rendered from its stored
 * JSON, like the report's .html file. A stored version whose JSON the current schema no longer
 * reads is shown from its Markdown instead, with the same print layout — never refused.
 */
export function reportDocument(
  report: { version: number; markdown: string; json: unknown },
  candidateName: string,
  nonce: string,
): string {
  try {
    return renderReportHtml(report.json, { styleNonce: nonce });
  } catch {
    return `<!DOCTYPE html>\n${
      html`<html lang="sv">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>Tidig bedömningsrapport: ${candidateName} (version ${report.version})</title>
          <style nonce="${nonce}">
            ${new SafeHtml(REPORT_STYLE)}
          </style>
        </head>
        <body>
          <main>${renderMarkdown(report.markdown, { standalone: true })}</main>
        </body>
      </html>`.value
    }`;
  }
}
