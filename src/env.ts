import { z } from 'zod';

const Env = z.object({
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  DATABASE_URL: z.string().default('postgres://postgres@127.0.0.1:5432/postgres'),
  HORISONT_DB_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'lower-case letters, digits and _ only')
    .default('horisont'),
  /**
   * Database roles (migration 0008) the workbench's and the pipeline's connection pools switch
   * to; the login must be a member of them. Unset: the login's own privileges.
   */
  HORISONT_DB_WEB_ROLE: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'lower-case letters, digits and _ only')
    .optional(),
  HORISONT_DB_INGEST_ROLE: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'lower-case letters, digits and _ only')
    .optional(),
  /**
   * Connections per pool, statement timeouts and the slow-statement threshold, per use: `web`
   * is the workbench's pool (`horisont serve`), `worker` every other (pipeline workers, CLI).
   * docs/operations.md sizes them. A timeout of 0 means none.
   */
  HORISONT_DB_POOL_WEB: z.coerce.number().int().min(1).max(200).default(10),
  HORISONT_DB_POOL_WORKER: z.coerce.number().int().min(1).max(200).default(10),
  HORISONT_DB_STATEMENT_TIMEOUT_WEB_MS: z.coerce.number().int().min(0).default(15_000),
  HORISONT_DB_STATEMENT_TIMEOUT_WORKER_MS: z.coerce.number().int().min(0).default(0),
  HORISONT_DB_SLOW_MS: z.coerce.number().int().min(0).default(500),
  /**
   * How long a worker's hold on a running job lasts without renewal (BullMQ's lock; stall checks
   * every quarter of it). A job whose worker was killed runs again elsewhere after about this
   * long. Default BullMQ's 30 s; docs/operations.md "Shutdown" says when to change it.
   */
  HORISONT_JOB_LOCK_MS: z.coerce.number().int().min(200).optional(),
  /** BullMQ key prefix; Redis Cluster deployments use a hash tag such as `{horisont}`. */
  HORISONT_QUEUE_PREFIX: z.string().min(1).default('horisont'),
  HORISONT_CONFIG_DIR: z.string().optional(),
  /**
   * Serve every source from a fixture server: `https://host/path` becomes `<origin>/host/path`
   * and the origin is allowlisted. For the demo and tests only.
   */
  HORISONT_FIXTURE_ORIGIN: z.string().url().optional(),
  /** Extra `host[:port]` entries allowed to resolve to private addresses (comma separated). */
  HORISONT_ALLOW_PRIVATE_HOSTS: z.string().default(''),
  HORISONT_REPORT_DIR: z.string().default('var/reports'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NODE_ENV: z.string().default('production'),
});
export type Env = z.infer<typeof Env>;

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid environment:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'EnvError';
  }
}

export function parseEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const result = Env.safeParse(source);
  if (!result.success) {
    throw new EnvError(result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  return result.data;
}
