import type { Logger } from 'pino';
import type { HorisontConfig, ConfiguredSource } from '../config/load.js';
import type { Db } from '../store/db.js';
import type { HttpClient } from '../fetch/http-client.js';
import type { Pipeline } from '../queue/pipeline.js';

/** What the stage workers need, built once by the composition root and passed explicitly. */
export interface AppContext {
  config: HorisontConfig;
  db: Db;
  http: HttpClient;
  pipeline: Pipeline;
  log: Logger;
  /** Where report files are written (Markdown and JSON per version). */
  reportDir: string;
}

export function sourceById(ctx: AppContext, sourceId: string): ConfiguredSource {
  const source = ctx.config.sources.find((candidate) => candidate.id === sourceId);
  if (!source) throw new Error(`unknown source "${sourceId}"`);
  return source;
}
