import { html, SafeHtml } from '../../text/html.js';
import { EarlyAssessmentReport } from '../../domain/report-schema.js';
import { REPORT_STYLE, renderReportHtml, renderReportSection } from '../../domain/report-html.js';
import type { SourceLabels } from '../../domain/labels.js';

interface StoredReport {
  version: number;
  markdown: string;
  json: unknown;
}

/**
 * A stored version whose JSON the current schema no longer reads is shown, never refused: as the
 * Markdown it was written in, as text (the Markdown renderer only writes `.md` files).
 */
function olderFormat(report: StoredReport): SafeHtml {
  return html`<p class="note">
      Rapportversion ${report.version} är sparad i ett äldre format och visas som den skrevs (Markdown).
    </p>
    <pre class="markdown">${report.markdown}</pre>`;
}

/** The report inside the candidate page (under its h2), from the same renderer as the file. */
export function reportSection(report: StoredReport, sourceLabels: SourceLabels): SafeHtml {
  return EarlyAssessmentReport.safeParse(report.json).success
    ? new SafeHtml(renderReportSection(report.json, 3, sourceLabels))
    : olderFormat(report);
}

/** The early assessment report as a standalone HTML page (read or print), like its .html file. */
export function reportDocument(
  report: StoredReport,
  candidateName: string,
  nonce: string,
  sourceLabels: SourceLabels,
): string {
  if (EarlyAssessmentReport.safeParse(report.json).success) {
    return renderReportHtml(report.json, { styleNonce: nonce, sourceLabels });
  }
  return `<!DOCTYPE html>\n${
    html`<html lang="sv">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>Tidig bedömningsrapport: ${candidateName} (version ${report.version})</title>
        <style nonce="${nonce}">
          ${new SafeHtml(REPORT_STYLE)}
          pre.markdown { white-space: pre-wrap; font: inherit; }
        </style>
      </head>
      <body>
        <main>
          <h1>Tidig bedömningsrapport: ${candidateName}</h1>
          ${olderFormat(report)}
        </main>
      </body>
    </html>`.value
  }`;
}
