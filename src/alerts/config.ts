import { readFileSync } from 'node:fs';
import { z } from 'zod';

const AlertEnv = z.object({
  /** `smtp://user:pass@host:587` or `smtps://…`; `HORISONT_SMTP_URL_FILE` reads it from a file. */
  HORISONT_SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
  HORISONT_SMTP_URL_FILE: z.string().optional(),
  /** Demo and development: write each e-mail as `<id>.eml` into this directory instead of SMTP. */
  HORISONT_MAILBOX_DIR: z.string().optional(),
  HORISONT_MAIL_FROM: z.string().min(3).default('Horisont <horisont@localhost>'),
  /** Where people reach the workbench; links in alerts point there. */
  HORISONT_PUBLIC_ORIGIN: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:8080'),
  /** More alerts than this for one subscription in one run are sent as one digest. */
  HORISONT_ALERT_STORM_LIMIT: z.coerce.number().int().min(1).max(10_000).default(10),
  /** Local hour (config timezone) at which daily and weekly (Monday) digests fall due. */
  HORISONT_DIGEST_HOUR: z.coerce.number().int().min(0).max(23).default(7),
  HORISONT_ALERT_SWEEP_SECONDS: z.coerce.number().min(0.1).max(3600).default(30),
});

export interface AlertConfig {
  smtpUrl: string | undefined;
  mailboxDir: string | undefined;
  from: string;
  publicOrigin: string;
  stormLimit: number;
  digestHour: number;
  timezone: string;
  /** Safety-net sweep: a relay drains this often even if no wake-up arrived. */
  sweepMs: number;
  /** Alerts of a run wait for the run to complete, but never longer than this. */
  holdMs: number;
  /** A claimed delivery is another relay's again after this. */
  leaseMs: number;
  maxAttempts: number;
  /** A receiver that has not answered by then counts as failed (and is retried later). */
  webhookTimeoutMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

/** Alert settings from the environment; secrets may come from `*_FILE`. */
export function alertConfigFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<AlertConfig> = {},
): AlertConfig {
  const parsed = AlertEnv.parse(env);
  const smtpUrl =
    parsed.HORISONT_SMTP_URL ??
    (parsed.HORISONT_SMTP_URL_FILE ? readFileSync(parsed.HORISONT_SMTP_URL_FILE, 'utf8').trim() : undefined);
  const test = env.NODE_ENV === 'test';
  return {
    smtpUrl,
    mailboxDir: parsed.HORISONT_MAILBOX_DIR,
    from: parsed.HORISONT_MAIL_FROM,
    publicOrigin: new URL(parsed.HORISONT_PUBLIC_ORIGIN).origin,
    stormLimit: parsed.HORISONT_ALERT_STORM_LIMIT,
    digestHour: parsed.HORISONT_DIGEST_HOUR,
    timezone: 'Europe/Stockholm',
    sweepMs: parsed.HORISONT_ALERT_SWEEP_SECONDS * 1000,
    holdMs: 2 * 60 * 60_000,
    leaseMs: 5 * 60_000,
    // About a day of retries at the production backoff (1 min doubling to 1 h).
    maxAttempts: 30,
    webhookTimeoutMs: 15_000,
    retryBaseMs: test ? 100 : 60_000,
    retryMaxMs: test ? 2_000 : 60 * 60_000,
    ...overrides,
  };
}
