import type { RunSummary } from '../store/runs.js';
import { oneLine, table } from './format.js';

const STATUS_SV: Record<string, string> = {
  ok: 'ok',
  unchanged: 'oförändrad',
  failed: 'misslyckades',
  broken: 'trasig',
  pending: 'väntar',
  running: 'pågår',
};

export function formatRunSummary(summary: RunSummary): string {
  const rows = summary.sources.map((source) => [
    source.source_id,
    STATUS_SV[source.status] ?? source.status,
    String(source.pages),
    String(source.items_seen),
    String(source.items_new),
    String(source.items_changed),
    source.error_kind ? `${source.error_kind}: ${oneLine(source.error_message ?? '', 70)}` : '',
  ]);
  return [
    `Körning ${summary.runId} (${summary.trigger}): ${summary.status === 'completed' ? 'klar' : summary.status}`,
    table(['källa', 'utfall', 'sidor', 'poster', 'nya', 'ändrade', 'fel'], rows),
    `Nya kandidater: ${summary.candidatesNew} · rapporter: ${summary.reports} · nomineringar: ${summary.nominations}` +
      (summary.failedJobs > 0 ? ` · misslyckade jobb: ${summary.failedJobs}` : ''),
  ].join('\n');
}

/** Sources that did not complete, for the exit code and the message naming them. */
export function failedSources(summary: RunSummary): RunSummary['sources'] {
  return summary.sources.filter((source) => source.status === 'failed' || source.status === 'broken');
}
