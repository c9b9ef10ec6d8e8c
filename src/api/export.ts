import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebContext } from './context.js';
import { parseCandidateFilterForPage } from './service.js';
import { html } from '../text/html.js';
import { pathWithQuery } from './html.js';
import type { SafeHtml } from '../text/html.js';
import { BAND_LABELS, KIND_LABELS, STATUS_LABELS, isoDate, labelOf, swedishNumber } from './format.js';
import { toCsv, toXlsx } from './spreadsheet.js';
import type { Cell, Table } from './spreadsheet.js';
import { listCandidates } from '../store/workbench.js';
import type { CandidateListItem } from '../store/workbench.js';
import { label } from '../domain/labels.js';
import type { SourceLabels } from '../domain/labels.js';
import { STAGE_LABELS } from '../domain/lifecycle.js';
import { PROCESS_STATUS_LABELS } from '../domain/routing.js';
import { stockholmDay } from '../domain/dates.js';

/**
 * The ranked list as a spreadsheet: `/kandidater.csv` and `/kandidater.xlsx` take the list
 * page's query string (search, filters, sort), read as the page reads it, and give every matching
 * candidate, not one page, in the list's order, with Swedish headers and words.
 */

/** More rows than anyone reads; a list this long is filtered first (the reply says it was cut). */
export const EXPORT_MAX_ROWS = 10_000;

interface Column {
  header: string;
  width: number;
  value: (c: CandidateListItem, row: { rank: number; link: string; sourceLabels: SourceLabels }) => Cell;
}

const COLUMNS: readonly Column[] = [
  { header: 'Plats', width: 6, value: (_c, { rank }) => rank },
  { header: 'Kandidat', width: 48, value: (c) => c.name },
  { header: 'Tillverkare', width: 30, value: (c) => c.manufacturer },
  { header: 'Typ', width: 22, value: (c) => labelOf(KIND_LABELS, c.kind) },
  { header: 'Prioritet', width: 10, value: (c) => c.score },
  {
    header: 'Prioritetsnivå',
    width: 16,
    value: (c) => (c.insufficientEvidence ? 'Underlag saknas' : c.band ? labelOf(BAND_LABELS, c.band) : null),
  },
  { header: 'Livscykel', width: 22, value: (c) => (c.stage ? labelOf(STAGE_LABELS, c.stage) : null) },
  {
    header: 'Rådens hantering',
    width: 22,
    value: (c) => (c.processStatus ? labelOf(PROCESS_STATUS_LABELS, c.processStatus) : null),
  },
  { header: 'Råd', width: 12, value: (c) => c.council },
  { header: 'Status', width: 14, value: (c) => labelOf(STATUS_LABELS, c.status) },
  { header: 'Bevakas', width: 8, value: (c) => (c.watched ? 'ja' : 'nej') },
  { header: 'Programområden (NPO)', width: 36, value: (c) => c.npo.join('; ') },
  {
    header: 'Källor',
    width: 40,
    value: (c, { sourceLabels }) => c.sources.map((s) => label(sourceLabels, s)).join('; '),
  },
  { header: 'Belägg', width: 8, value: (c) => c.evidenceCount },
  { header: 'Rapport', width: 8, value: (c) => (c.latestReportVersion === null ? 'nej' : 'ja') },
  { header: 'Först sedd', width: 11, value: (c) => isoDate(c.firstSeenAt) },
  { header: 'Senast ändrad', width: 11, value: (c) => isoDate(c.updatedAt) },
  { header: 'Länk', width: 60, value: (_c, { link }) => link },
  { header: 'Id', width: 38, value: (c) => c.id },
];

const FORMATS = {
  csv: { type: 'text/csv; charset=utf-8', body: (table: Table) => toCsv(table) },
  xlsx: {
    type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    body: (table: Table) => Buffer.from(toXlsx(table)),
  },
} as const;

/** The list page's links to its export, with the page's own query (minus the page number). */
export function exportLinks(query: Record<string, string | number | undefined>): SafeHtml {
  const rest = { ...query, page: undefined, pageSize: undefined, cursor: undefined };
  return html`<p class="export">
    Exportera listan (alla träffar, högst ${swedishNumber(EXPORT_MAX_ROWS)}):
    <a href="${pathWithQuery('/kandidater.csv', rest)}" download>CSV</a> ·
    <a href="${pathWithQuery('/kandidater.xlsx', rest)}" download>Excel (XLSX)</a>
  </p>`;
}

export function registerExportRoutes(app: FastifyInstance, web: WebContext): void {
  const send = async (
    format: keyof typeof FORMATS,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<FastifyReply> => {
    // As the page reads it (its default list; a mistyped date left out, as the page shows it).
    const filter = {
      ...parseCandidateFilterForPage(request.query).filter,
      page: 1,
      pageSize: EXPORT_MAX_ROWS,
    };
    const list = await listCandidates(web.app.db, filter);
    const origin = web.expectedOrigin(request);
    const table: Table = {
      name: 'Kandidater',
      header: COLUMNS.map((column) => column.header),
      widths: COLUMNS.map((column) => column.width),
      rows: list.items.map((c, index) =>
        COLUMNS.map((column) =>
          column.value(c, {
            rank: index + 1,
            link: `${origin}/kandidater/${c.id}`,
            sourceLabels: web.app.config.sourceLabels,
          }),
        ),
      ),
    };
    const name = `kandidater-${stockholmDay(web.now())}.${format}`;
    return reply
      .type(FORMATS[format].type)
      .header('content-disposition', `attachment; filename="${name}"`)
      .header('cache-control', 'no-store')
      .header('x-horisont-rows', String(list.items.length))
      .header('x-horisont-total', String(list.total))
      .send(FORMATS[format].body(table));
  };

  app.get('/kandidater.csv', { config: { access: 'viewer' } }, (request, reply) =>
    send('csv', request, reply),
  );
  app.get('/kandidater.xlsx', { config: { access: 'viewer' } }, (request, reply) =>
    send('xlsx', request, reply),
  );
}
