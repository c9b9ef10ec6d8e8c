import type { RunSummary } from '../store/runs.js';
import { table } from './format.js';
import { oneLine } from '../text/one-line.js';
import { RUN_SOURCE_STATUS_LABELS, RUN_STATUS_LABELS, RUN_TRIGGER_LABELS, label } from '../domain/labels.js';
import type { SourceLabels } from '../domain/labels.js';

/** A run's summary table, each source by its name in `sourceLabels` (the configuration's). */
export function formatRunSummary(summary: RunSummary, sourceLabels: SourceLabels): string {
  const rows = summary.sources.map((source) => {
    // A source that failed or broke has no "new" to report: never show it as 0 new.
    const settled = source.status !== 'failed' && source.status !== 'broken';
    return [
      label(sourceLabels, source.source_id),
      label(RUN_SOURCE_STATUS_LABELS, source.status),
      String(source.pages),
      // The usual yield only where this run fell well short of it.
      source.usual_items !== null &&
      source.usual_items !== undefined &&
      source.items_seen * 2 < source.usual_items
        ? `${source.items_seen} (brukar ${source.usual_items})`
        : String(source.items_seen),
      settled ? String(source.items_new) : '–',
      settled ? String(source.items_changed) : '–',
      source.error_kind ? `${source.error_kind}: ${oneLine(source.error_message ?? '', 70)}` : '',
      source.source_id,
    ];
  });
  const notes = summary.sources.flatMap((source) =>
    (source.notes ?? []).map((note) => `  ${label(sourceLabels, source.source_id)}: ${oneLine(note, 160)}`),
  );
  return [
    `Körning ${summary.runId} (${label(RUN_TRIGGER_LABELS, summary.trigger).toLowerCase()}): ${label(RUN_STATUS_LABELS, summary.status).toLowerCase()}`,
    table(['källa', 'utfall', 'sidor', 'poster', 'nya', 'ändrade', 'fel', 'id'], rows),
    ...(notes.length > 0 ? ['Anmärkningar:', ...notes] : []),
    `Nya kandidater: ${summary.candidatesNew} · rapporter: ${summary.reports} · nomineringar: ${summary.nominations}` +
      (summary.failedJobs > 0 ? ` · misslyckade jobb: ${summary.failedJobs}` : ''),
  ].join('\n');
}

/** Sources that did not complete, for the exit code and the message naming them. */
export function failedSources(summary: RunSummary): RunSummary['sources'] {
  return summary.sources.filter((source) => source.status === 'failed' || source.status === 'broken');
}

/**
 * A finished run for the terminal (or as JSON); the sources that did not complete are named on
 * stderr and make the exit code 1.
 */
export function printRunOutcome(
  summary: RunSummary,
  sourceLabels: SourceLabels,
  json: boolean | undefined,
): void {
  console.log(json ? JSON.stringify(summary, null, 2) : formatRunSummary(summary, sourceLabels));
  const failed = failedSources(summary);
  if (failed.length > 0) {
    console.error(
      `Källor som misslyckades: ${failed.map((s) => `${s.source_id} (${s.error_kind ?? 'okänt'}: ${oneLine(s.error_message ?? '', 120)})`).join('; ')}`,
    );
    process.exitCode = 1;
  }
}
