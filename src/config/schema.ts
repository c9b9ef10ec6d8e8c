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

const Urls = z.array(z.url({ protocol: /^https?$/ })).min(1);

/**
 * A source's entry in `sources.yaml`. For a source an adapter declares (src/sources/adapters),
 * each field given replaces the adapter's; another source needs `adapter` and `urls`.
 */
export const SourceEntry = z.object({
  id: SourceId,
  adapter: SourceId.optional(),
  /** The publisher's name in Swedish (a source no adapter declares shows its id without it). */
  label: z.string().min(1).max(100).optional(),
  enabled: z.boolean().optional(),
  urls: Urls.optional(),
  schedule: Cron.optional(),
  /** Validated later by the adapter's own schema. */
  options: z.record(z.string(), z.unknown()).optional(),
  /** Per URL of `urls`; an address without an entry shows as "not stated". */
  evidence: z.array(UrlEvidence).optional(),
});
export type SourceEntry = z.infer<typeof SourceEntry>;

/** A source an adapter declares, checked as strictly as a configured one. */
export const DeclaredSource = z.object({
  id: SourceId,
  label: z.string().min(1).max(100),
  urls: z.array(UrlEvidence).min(1),
  schedule: Cron.optional(),
  options: z.record(z.string(), z.unknown()).optional(),
  recorded: z
    .strictObject({ urls: Urls.optional(), options: z.record(z.string(), z.unknown()).optional() })
    .optional(),
});

/**
 * Which of the adapters' own sources a configuration starts from: `production` (each at its
 * production addresses), `recorded` (each as its recordings in demo/fixtures were made: the demo
 * and the tests) or `none` (only the sources listed under `sources:`).
 */
export const AdapterSources = z.enum(['production', 'recorded', 'none']);
export type AdapterSources = z.infer<typeof AdapterSources>;

export const HostPoliteness = z.record(z.string().min(1), Politeness);

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
  adapterSources: AdapterSources.default('production'),
  /** Per-host politeness, keyed by host name: over the adapters' own hints. */
  hosts: HostPoliteness.default({}),
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
  sources: z.array(SourceEntry).default([]),
});
export type SourcesFile = z.infer<typeof SourcesFile>;
