import { pino } from 'pino';
import type { Logger, DestinationStream } from 'pino';

export type { Logger };

/**
 * One JSON line per event with stable snake_case keys (source_id, job_id, candidate_id, url,
 * duration_ms, error_kind). Bodies and secrets are never logged. Logs go to standard error, so a
 * command's own output (tables, JSON, progress) stays readable and can be piped.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    { level, base: { app: 'horisont' }, timestamp: pino.stdTimeFunctions.isoTime },
    destination ?? pino.destination(2),
  );
}
