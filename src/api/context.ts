import { createHmac, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { AppContext } from '../app/context.js';
import type { Role, Session, SessionLimits, User } from '../store/users.js';
import type { Actor } from '../store/audit.js';
import type { OidcConfig } from './oidc.js';
import type { HttpClient } from '../fetch/http-client.js';
import type { LoginThrottleSettings } from './login-throttle.js';

/** Who may call a route. Every route declares one; a route without it is refused at start. */
export type Access = 'public' | Role;

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    /** The CSP nonce of this response. */
    nonce: string;
    user: User | undefined;
    /** How the user was authenticated: a cookie session needs CSRF checks, a bearer token does not. */
    authVia: 'session' | 'token' | 'none';
    session: Session | undefined;
  }
}

export interface WebOptions {
  /**
   * The origin people reach the workbench at (`https://horisont.region.se`). Used for the
   * Origin check and to decide on Secure/`__Host-` cookies. Default: derived from each request.
   */
  publicOrigin?: string | undefined;
  /** Behind a reverse proxy that sets X-Forwarded-For/-Proto. */
  trustProxy?: boolean | undefined;
  session?: Partial<SessionLimits> | undefined;
  /** Key for hashing client addresses in the audit log; random per process when absent. */
  ipHashKey?: string | undefined;
  oidc?: OidcConfig | undefined;
  /**
   * The guarded client for the identity provider; default the application's own. Tests pass one
   * that allowlists and trusts their loopback provider.
   */
  oidcHttp?: HttpClient | undefined;
  /** Sign-in throttling per account and per address (src/api/login-throttle.ts); defaults otherwise. */
  loginThrottle?: Partial<LoginThrottleSettings> | undefined;
  /**
   * The clock cases read "today" from (review dates, the to-reconsider list). Default the system
   * clock; tests move it forward to let a review date pass.
   */
  clock?: (() => Date) | undefined;
}

export interface WebContext {
  app: AppContext;
  log: Logger;
  options: WebOptions;
  limits: SessionLimits;
  /** `https:` when the public origin is https; decides `__Host-` and Secure. */
  https: boolean;
  cookieName: string;
  ipHash(ip: string): string;
  now(): Date;
  expectedOrigin(request: { protocol: string; host: string }): string;
}

export function createWebContext(app: AppContext, options: WebOptions): WebContext {
  const https = options.publicOrigin ? new URL(options.publicOrigin).protocol === 'https:' : false;
  const key = options.ipHashKey ?? randomBytes(32).toString('hex');
  const publicOrigin = options.publicOrigin ? new URL(options.publicOrigin).origin : undefined;
  return {
    app,
    log: app.log.child({ component: 'web' }),
    options,
    limits: {
      idleMs: options.session?.idleMs ?? 60 * 60_000,
      absoluteMs: options.session?.absoluteMs ?? 12 * 60 * 60_000,
    },
    https,
    cookieName: https ? '__Host-horisont-session' : 'horisont-session',
    ipHash: (ip) => createHmac('sha256', key).update(ip).digest('hex').slice(0, 32),
    now: options.clock ?? (() => new Date()),
    expectedOrigin: (request) => publicOrigin ?? `${request.protocol}://${request.host}`,
  };
}

export function actorOf(user: User): Actor {
  return { id: user.id, name: user.displayName, role: user.role };
}
