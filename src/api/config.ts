import { z } from 'zod';
import type { WebOptions } from './context.js';
import { oidcConfigFromEnv } from './oidc.js';

const WebEnv = z.object({
  HORISONT_WEB_HOST: z.string().min(1).default('127.0.0.1'),
  HORISONT_WEB_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** The https origin people use; turns on Secure `__Host-` cookies and HSTS. */
  HORISONT_PUBLIC_ORIGIN: z.url({ protocol: /^https?$/ }).optional(),
  HORISONT_TRUST_PROXY: z
    .enum(['true', 'false', '1', '0'])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
  HORISONT_SESSION_IDLE_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(60),
  HORISONT_SESSION_MAX_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24)
    .default(12),
  HORISONT_IP_HASH_KEY: z.string().min(16).optional(),
  HORISONT_DB_WEB_ROLE: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/)
    .optional(),
});

export interface WebServerSettings {
  host: string;
  port: number;
  options: WebOptions;
  /** The database role the workbench's pool switches to (migration 0008: `horisont_web`). */
  dbRole: string | undefined;
}

/** Web settings from the environment (`HORISONT_WEB_*`, `HORISONT_PUBLIC_ORIGIN`, `HORISONT_OIDC_*`). */
export function webSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): WebServerSettings {
  const parsed = WebEnv.parse(env);
  return {
    host: parsed.HORISONT_WEB_HOST,
    port: parsed.HORISONT_WEB_PORT,
    dbRole: parsed.HORISONT_DB_WEB_ROLE,
    options: {
      publicOrigin: parsed.HORISONT_PUBLIC_ORIGIN,
      trustProxy: parsed.HORISONT_TRUST_PROXY,
      session: {
        idleMs: parsed.HORISONT_SESSION_IDLE_MINUTES * 60_000,
        absoluteMs: parsed.HORISONT_SESSION_MAX_HOURS * 3_600_000,
      },
      ipHashKey: parsed.HORISONT_IP_HASH_KEY,
      oidc: oidcConfigFromEnv(env),
    },
  };
}
