import { z } from 'zod';
import { CronExpressionParser } from 'cron-parser';

const Cron = z.string().refine((value) => {
  try {
    CronExpressionParser.parse(value);
    return true;
  } catch {
    return false;
  }
}, 'not a valid cron expression');

const TimeZone = z.string().refine((value) => {
  try {
    new Intl.DateTimeFormat('sv-SE', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}, 'unknown time zone');

const SourceId = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'kebab-case id expected');

const Politeness = z.object({
  /** Minimum spacing between two requests to one host, across all workers. */
  minIntervalMs: z.number().int().min(0).max(3_600_000),
});

/**
 * The public material one production address rests on (docs/sources.md has the full account):
 * `verified` when a stored copy of the page, or public code or documentation, shows the address
 * in use; otherwise `basis` says why it stays unverified.
 */
export const UrlEvidence = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  verified: z.boolean(),
  basis: z.string().min(10).max(600),
});
export type UrlEvidence = z.infer<typeof UrlEvidence>;

export const SourceEntry = z.object({
  id: SourceId,
  adapter: SourceId,
  enabled: z.boolean().default(true),
  urls: z.array(z.url({ protocol: /^https?$/ })).min(1),
  schedule: Cron.optional(),
  /** Validated later by the adapter's own schema. */
  options: z.record(z.string(), z.unknown()).default({}),
  /** Per URL of `urls`; an address without an entry shows as "not stated". */
  evidence: z.array(UrlEvidence).default([]),
});
export type SourceEntry = z.infer<typeof SourceEntry>;

export const SourcesFile = z.object({
  defaults: z
    .object({
      schedule: Cron.default('0 2 * * *'),
      timezone: TimeZone.default('Europe/Stockholm'),
      politeness: Politeness.default({ minIntervalMs: 1000 }),
    })
    .prefault({}),
  http: z
    .object({
      userAgent: z
        .string()
        .min(10)
        .default('Mozilla/5.0 (compatible; Horisont/0.1; horizon scanning for Swedish regions)'),
      deadlineMs: z.number().int().positive().default(60_000),
      connectTimeoutMs: z.number().int().positive().default(10_000),
      headersTimeoutMs: z.number().int().positive().default(15_000),
      bodyTimeoutMs: z.number().int().positive().default(30_000),
      maxBodyBytes: z
        .number()
        .int()
        .positive()
        .default(20 * 1024 * 1024),
      maxRedirects: z.number().int().min(0).max(10).default(5),
    })
    .prefault({}),
  /** Per-host politeness overrides, keyed by host name. */
  hosts: z.record(z.string(), Politeness).default({}),
  /**
   * What a source's content may do before the pipeline stops trusting it: schema drift of
   * structured sources (src/sources/drift.ts) and mass re-keying (src/domain/rekey.ts).
   */
  guards: z
    .object({
      drift: z
        .object({
          jump: z.number().min(0).max(1).default(0.25),
          minRecords: z.number().int().min(1).default(2),
        })
        .prefault({}),
      rekey: z
        .object({
          share: z.number().gt(0).max(1).default(0.5),
          minKnown: z.number().int().min(1).default(20),
        })
        .prefault({}),
    })
    .prefault({}),
  sources: z.array(SourceEntry).min(1),
});
export type SourcesFile = z.infer<typeof SourcesFile>;
