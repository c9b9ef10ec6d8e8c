import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { StageContext } from './context.js';
import { describeCandidate } from '../domain/candidate.js';
import { buildReport } from '../domain/report.js';
import { renderReportHtml } from '../domain/report-html.js';
import { jobId } from '../queue/names.js';
import { pushPendingNominations } from '../queue/nomination.js';
import type { StageDefinition } from '../queue/pipeline.js';
import { lockKey } from '../store/db.js';
import { loadCandidate } from '../store/candidates.js';
import { loadEvidence } from '../store/items.js';
import { insertNomination } from '../store/nominations.js';
import {
  candidatesDueForReport,
  insertReport,
  markReportFilesWritten,
  nextReportVersion,
  reportInputHash,
  reportOfInputs,
} from '../store/reports.js';
import type { ReportContent } from '../store/reports.js';
import { loadScore } from '../store/scores.js';
import { recordNominationEvent } from '../store/alert-events.js';
import { stockholmDay } from '../domain/dates.js';
import { importCouncilCases } from '../store/cases.js';
import { fileExists } from '../files.js';
import type { SourceLabels } from '../domain/labels.js';

export function reportFiles(
  reportDir: string,
  candidateId: string,
  version: number,
): { md: string; json: string; html: string } {
  const base = path.join(reportDir, candidateId, `v${version}`);
  return { md: `${base}.md`, json: `${base}.json`, html: `${base}.html` };
}

/**
 * Writes a report version's files that are not there yet. Each file appears whole or not at all
 * (written beside it, then renamed), so a disk that fills up mid-write leaves no truncated report,
 * and a later run of the job, once there is room, writes what is missing.
 */
async function writeReportFiles(
  reportDir: string,
  candidateId: string,
  report: ReportContent,
  sourceLabels: SourceLabels,
): Promise<void> {
  const files = reportFiles(reportDir, candidateId, report.version);
  const contents: Array<[string, () => string]> = [
    [files.md, () => report.markdown],
    [files.json, () => `${JSON.stringify(report.json, null, 2)}\n`],
    // Print-friendly HTML, rendered from the JSON (as `horisont report --format html` does).
    [files.html, () => renderReportHtml(report.json, { sourceLabels })],
  ];
  await mkdir(path.dirname(files.md), { recursive: true });
  await Promise.all(
    contents.map(async ([file, content]) => {
      if (await fileExists(file)) return;
      const partial = `${file}.partial`;
      try {
        await writeFile(partial, content(), 'utf8');
        await rename(partial, file);
      } catch (error) {
        await rm(partial, { force: true });
        throw error;
      }
    }),
  );
}

/**
 * Runs once ingestion of a run has settled, so a candidate gets one report version per run
 * (not one per page that happened to arrive first). A version is added only when the evidence
 * or the band changed; each new version is nominated once.
 */
export function reportStage(
  ctx: Pick<StageContext, 'config' | 'db' | 'pipeline' | 'reportDir'>,
  now: () => Date = () => new Date(),
): StageDefinition<'report'> {
  return {
    // Report jobs run after ingestion has settled, with nothing else of the run left to share
    // the workers with: the whole run's reports wait on this stage.
    concurrency: 4,
    handle: async (data, job) => {
      if (data.type === 'run') {
        await job.commit(async (tx) => {
          // The councils' lists as this run left them: new entries become cases "handled by the council".
          const imported = await importCouncilCases(tx, stockholmDay(now()));
          if (imported > 0) job.log.info({ imported }, 'report: council list entries imported as cases');
          // Only the candidates whose report would change: a night with few changes writes few.
          return (await candidatesDueForReport(tx)).map((candidateId) => ({
            queue: 'report',
            jobId: jobId('report', data.runId, candidateId),
            data: { type: 'candidate', runId: data.runId, candidateId },
          }));
        });
        // A nomination committed by an earlier run whose push to the queue was cut short goes now,
        // since its candidate has no report job in this run.
        await pushPendingNominations(ctx.db, ctx.pipeline.nominations);
        return;
      }
      let files: ReportContent | undefined;
      await job.commit(async (tx) => {
        await lockKey(tx, `candidate ${data.candidateId}`);
        const row = await loadCandidate(tx, data.candidateId);
        if (!row?.current_score_id) return [];
        const score = (await loadScore(tx, row.current_score_id))!;
        if (!score.result.nominate) return [];
        const inputHash = await reportInputHash(tx, row.id);
        if (inputHash === undefined) return [];
        const known = await reportOfInputs(tx, row.id, inputHash);
        if (known) {
          // Its files may not have been written (a full disk after the commit that stored it).
          files = known;
          return [];
        }
        const version = await nextReportVersion(tx, row.id);
        const evidence = await loadEvidence(tx, row.id);
        const candidate = describeCandidate(row.id, row.name, evidence, ctx.config.sourceProfiles);
        const generatedAt = now();
        const report = buildReport({
          candidate,
          score: score.result,
          version,
          generatedAt: generatedAt.toISOString(),
          sourceLabels: ctx.config.sourceLabels,
        });
        const reportId = await insertReport(tx, {
          candidateId: row.id,
          version,
          inputHash,
          scoreId: score.id,
          band: score.band,
          markdown: report.markdown,
          json: report.json,
          runId: data.runId,
        });
        const { nominationId } = await insertNomination(tx, {
          facts: {
            origin: 'scan',
            nominatedBy: null,
            reason: null,
            nominatedAt: generatedAt,
            candidate: {
              id: row.id,
              name: candidate.name,
              manufacturer: candidate.manufacturer ?? null,
              kind: candidate.kind,
              identifiers: candidate.identifiers,
            },
            score: {
              total: score.result.total,
              band: score.result.band,
              council: score.result.council,
              criteriaVersion: score.result.criteriaVersion,
            },
            report: { id: reportId, version, json: report.json, markdown: report.markdown },
          },
          queueJobId: () => jobId('nomination', row.id, 'v' + version),
        });
        // Alerts: the `nominated` event and the outbox rows it matches commit with the nomination.
        await recordNominationEvent(tx, {
          runId: data.runId,
          candidate,
          result: score.result,
          scoreId: score.id,
          nominationId,
          reportVersion: version,
        });
        files = { version, markdown: report.markdown, json: report.json };
        job.log.info({ candidate_id: row.id, version }, 'report: new version nominated');
        return [];
      });
      if (files) {
        await writeReportFiles(ctx.reportDir, data.candidateId, files, ctx.config.sourceLabels);
        await markReportFilesWritten(ctx.db, data.candidateId, files.version);
      }
      await pushPendingNominations(ctx.db, ctx.pipeline.nominations, data.candidateId);
    },
  };
}
