import type { Command } from 'commander';
import { Option, InvalidArgumentError } from 'commander';
import { rankedCandidates, listNominations } from '../store/queries.js';
import { latestReport } from '../store/reports.js';
import { currentScoreOf } from '../store/scores.js';
import { table, isoMinute } from './format.js';
import { oneLine } from '../text/one-line.js';
import { formatRankedSections } from './ranked.js';
import type { ScoreResult } from '../domain/score.js';
import { STAGE_LABELS } from '../domain/lifecycle.js';
import { formatExplanation } from './triage-commands.js';
import { explainRank } from '../app/rescore.js';
import { renderReportHtml } from '../domain/report-html.js';
import { withApp } from './with-app.js';
import { positiveInt, uuidArg } from './args.js';
import { assertCandidate } from './resolution-commands.js';
import { ORIGIN_LABELS, label } from '../domain/labels.js';

/** The ranked candidates, a candidate's report and the nominations. */
export function registerCandidateCommands(program: Command): void {
  program
    .command('candidates')
    .description(
      'kandidaterna rangordnade efter prioritet, i tre listor: nya och kommande, de som råden redan hanterar, övriga',
    )
    .option(
      '--json',
      'alla uppgifter som JSON: identifierare, prioritet, nivå, livscykel, råd, förklaring per kriterium, belägg',
    )
    .option('--limit <n>', 'hur många (per lista)', positiveInt, 50)
    .option(
      '--explain <id>',
      'hur kandidatens plats flyttas om varje kriteriums vikt ändras med ±50 %',
      uuidArg('kandidatens id'),
    )
    .action(async (options: { json?: boolean; limit: number; explain?: string }) => {
      await withApp(
        program,
        async (ctx) => {
          if (options.explain !== undefined) {
            await assertCandidate(ctx.db, options.explain);
            const explained = await explainRank(ctx.db, options.explain, ctx.config.criteria);
            if (!explained) {
              throw new InvalidArgumentError(`Kandidaten ${options.explain} är ännu inte poängsatt.`);
            }
            console.log(options.json ? JSON.stringify(explained, null, 2) : formatExplanation(explained));
            return;
          }
          if (options.json) {
            console.log(JSON.stringify(await rankedCandidates(ctx.db, options.limit), null, 2));
            return;
          }
          console.log(
            await formatRankedSections(ctx.db, options.limit, ctx.config.sourceLabels, { ids: true }),
          );
        },
        { logLevel: 'warn' },
      );
    });

  program
    .command('report')
    .description('skriv ut en kandidats senaste tidiga bedömningsrapport')
    .argument('<candidate-id>', 'kandidatens id (uuid)', uuidArg('kandidatens id'))
    .addOption(new Option('--format <format>', 'format').choices(['md', 'json', 'html']).default('md'))
    .action(async (candidateId: string, options: { format: 'md' | 'json' | 'html' }) => {
      await withApp(
        program,
        async (ctx) => {
          await assertCandidate(ctx.db, candidateId);
          const report = await latestReport(ctx.db, candidateId);
          if (!report) {
            const current = await currentScoreOf(ctx.db, candidateId);
            console.error(
              `Ingen rapport finns för kandidat ${candidateId}${current === undefined ? ' (ännu inte poängsatt).' : `: ${whyNoReport(current)}`}`,
            );
            process.exitCode = 1;
            return;
          }
          if (options.format === 'html') {
            console.log(renderReportHtml(report.json, { sourceLabels: ctx.config.sourceLabels }));
          } else {
            console.log(options.format === 'json' ? JSON.stringify(report.json, null, 2) : report.markdown);
          }
        },
        { logLevel: 'warn' },
      );
    });

  program
    .command('nominations')
    .description('nomineringar som lagts i nomineringskön')
    .option('--json', 'som JSON')
    .action(async (options: { json?: boolean }) => {
      await withApp(
        program,
        async (ctx) => {
          const rows = await listNominations(ctx.db);
          if (options.json) {
            console.log(JSON.stringify(rows, null, 2));
            return;
          }
          console.log(
            table(
              ['id', 'kandidat', 'ursprung', 'version', 'nivå', 'i kön', 'skapad'],
              rows.map((row) => [
                row.id,
                oneLine(row.candidate_name, 40),
                row.nominated_by
                  ? `${label(ORIGIN_LABELS, row.origin)} (${oneLine(row.nominated_by, 30)})`
                  : label(ORIGIN_LABELS, row.origin),
                row.report_version === null ? '–' : `v${row.report_version}`,
                row.band ?? '–',
                row.enqueued_at ? 'ja' : 'nej',
                isoMinute(row.created_at),
              ]),
            ),
          );
        },
        { logLevel: 'warn' },
      );
    });
}

/** Why a scored candidate has no early assessment report, in Swedish. */
function whyNoReport(score: ScoreResult): string {
  if (score.council === 'utanför' || score.council === 'TLV') {
    return `den ligger utanför rådens uppdrag och nomineras inte. ${oneLine(score.routingReason, 600)}`;
  }
  if (score.processStatus === 'hanteras-av-mtp-radet' || score.processStatus === 'hanteras-av-nt-radet') {
    const council = score.processStatus === 'hanteras-av-nt-radet' ? 'NT-rådet' : 'MTP-rådet';
    return `den hanteras redan av ${council} och nomineras inte på nytt. ${oneLine(score.statusReason, 600)}`;
  }
  if (score.stage === 'established' || score.stage === 'withdrawn') {
    return `den är ${STAGE_LABELS[score.stage]} och nomineras inte. ${oneLine(score.lifecycle.expected, 400)}`;
  }
  return `prioritet ${score.total} av 100, under tröskeln för nominering${score.insufficientEvidence ? ' (underlag saknas)' : ''}.`;
}
