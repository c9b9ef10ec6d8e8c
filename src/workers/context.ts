import type { Logger } from 'pino';
import type { HorisontConfig } from '../config/load.js';
import type { HttpClient } from '../fetch/http-client.js';
import type { Pipeline } from '../queue/pipeline.js';
import type { Db } from '../store/db.js';

/**
 * What the stages need, built once by the composition root (src/app/build.ts) and passed
 * explicitly; each stage takes only the parts it uses.
 */
export interface StageContext {
  config: HorisontConfig;
  db: Db;
  http: HttpClient;
  pipeline: Pipeline;
  log: Logger;
  /** Where report files are written (Markdown, JSON and HTML per version). */
  reportDir: string;
  /** Told the size of each response body fetched (metrics; a 304 counts 0). */
  onFetched?: (sourceId: string, bytes: number) => void;
}
