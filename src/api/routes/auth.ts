import type { Queue } from 'bullmq';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { failFastRedis } from '../fail-fast-redis.js';
import { LoginThrottle } from '../login-throttle.js';
import type { WebContext } from '../context.js';
import { actorOf } from '../context.js';
import { ApiError } from '../errors.js';
import { sameSiteTarget, serializeCookie } from '../security.js';
import { sendPage } from '../page.js';
import { loginPage } from '../views/misc.js';
import {
  UserExistsError,
  authenticatePassword,
  createSession,
  deleteExpiredSessions,
  deleteSession,
  upsertOidcUser,
} from '../../store/users.js';
import {
  OIDC_CALLBACK_PATH,
  OidcClient,
  OidcRejected,
  OidcUnavailable,
  PENDING_MS,
  PendingSignIn,
} from '../oidc.js';
import type { OidcIdentity } from '../oidc.js';
import { appendAudit } from '../../store/audit.js';

const ANONYMOUS_SESSION_MS = 60 * 60_000;

/**
 * Where to go after sign-in: a path on the workbench itself, compared as a URL against its own
 * origin (`sameSiteTarget`); anything else, and the sign-in pages themselves, go to the list.
 */
export function safeNext(value: unknown, ownOrigin: string): string {
  const target = sameSiteTarget(value, ownOrigin);
  if (target === undefined || target.startsWith('/logga-in') || target.startsWith('/logga-ut')) {
    return '/kandidater';
  }
  return target;
}

/** Swedish, and the same whether or not the account exists. */
function throttledMessage(scope: 'account' | 'address', seconds: number): string {
  const wait = seconds < 90 ? `${seconds} sekunder` : `${Math.ceil(seconds / 60)} minuter`;
  return scope === 'account'
    ? `För många misslyckade inloggningsförsök för kontot. Försök igen om ${wait}.`
    : `För många misslyckade inloggningsförsök från din adress. Försök igen om ${wait}.`;
}

function setSessionCookie(web: WebContext, reply: FastifyReply, id: string, maxAgeMs: number): void {
  reply.header(
    'set-cookie',
    serializeCookie(web.cookieName, id, { https: web.https, maxAgeSeconds: maxAgeMs / 1000 }),
  );
}

async function ensureAnonymousSession(
  web: WebContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<string> {
  if (request.session) return request.session.csrfToken;
  const session = await createSession(web.app.db, { lifetimeMs: ANONYMOUS_SESSION_MS });
  setSessionCookie(web, reply, session.id, ANONYMOUS_SESSION_MS);
  return session.csrfToken;
}

export function registerAuthRoutes(app: FastifyInstance, web: WebContext): void {
  const redis = failFastRedis(web.app.pipeline.queues.scan as Queue, 1000);
  app.addHook('onClose', () => {
    redis.disconnect();
    return Promise.resolve();
  });
  const throttle = new LoginThrottle({
    redis,
    prefix: web.app.pipeline.queues.scan.opts.prefix,
    settings: web.options.loginThrottle,
    log: web.log,
  });

  app.get('/', { config: { access: 'public' } }, async (request, reply) =>
    reply.redirect(request.user ? '/kandidater' : '/logga-in', 303),
  );

  app.get('/logga-in', { config: { access: 'public' } }, async (request, reply) => {
    const next = safeNext((request.query as { next?: unknown }).next, web.expectedOrigin(request));
    if (request.user) return reply.redirect(next, 303);
    const csrfToken = await ensureAnonymousSession(web, request, reply);
    return sendPage(reply, request, {
      title: 'Logga in',
      section: 'login',
      body: loginPage({ csrfToken, next, oidc: web.options.oidc !== undefined }),
    });
  });

  app.post('/logga-in', { config: { access: 'public' } }, async (request, reply) => {
    const form = (request.body ?? {}) as Record<string, string | undefined>;
    const username = (form.username ?? '').trim().slice(0, 200);
    const password = form.password ?? '';
    const next = safeNext(form.next, web.expectedOrigin(request));
    const rerender = (error: string, status: number): FastifyReply =>
      sendPage(
        reply,
        request,
        {
          title: 'Logga in',
          section: 'login',
          body: loginPage({
            csrfToken: request.session?.csrfToken ?? '',
            next,
            error,
            username,
            oidc: web.options.oidc !== undefined,
          }),
        },
        status,
      );
    // Before the password is even looked at: a throttled attempt costs no hashing and tells nothing.
    const verdict = await throttle.check(username, request.ip);
    if (!verdict.allowed) {
      const seconds = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
      await appendAudit(web.app.db, {
        action: 'auth.login_throttled',
        details: { username, scope: verdict.scope, retryAfterSeconds: seconds },
        requestId: request.id,
        ipHash: web.ipHash(request.ip),
      });
      web.log.warn(
        { scope: verdict.scope, retry_after_s: seconds, request_id: request.id },
        'web: sign-in throttled',
      );
      reply.header('retry-after', String(seconds));
      return rerender(throttledMessage(verdict.scope, seconds), 429);
    }
    const user =
      username && password ? await authenticatePassword(web.app.db, username, password) : undefined;
    if (!user) {
      await throttle.failed(username, request.ip);
      await appendAudit(web.app.db, {
        action: 'auth.login_failed',
        details: { username, reason: 'bad-credentials' },
        requestId: request.id,
        ipHash: web.ipHash(request.ip),
      });
      return rerender('Fel användarnamn eller lösenord.', 401);
    }
    await throttle.succeeded(username);
    // A new session id at sign-in, so a planted pre-login id is worthless (session fixation).
    if (request.session) await deleteSession(web.app.db, request.session.idHash);
    const session = await createSession(web.app.db, {
      userId: user.id,
      authMethod: 'password',
      lifetimeMs: web.limits.absoluteMs,
    });
    setSessionCookie(web, reply, session.id, web.limits.absoluteMs);
    await appendAudit(web.app.db, {
      actor: actorOf(user),
      action: 'auth.login',
      subjectType: 'user',
      subjectId: user.id,
      details: { method: 'password' },
      requestId: request.id,
      ipHash: web.ipHash(request.ip),
    });
    void deleteExpiredSessions(web.app.db).catch(() => undefined);
    return reply.redirect(next, 303);
  });

  app.post('/logga-ut', { config: { access: 'public' } }, async (request, reply) => {
    if (request.session) await deleteSession(web.app.db, request.session.idHash);
    if (request.user) {
      await appendAudit(web.app.db, {
        actor: actorOf(request.user),
        action: 'auth.logout',
        subjectType: 'user',
        subjectId: request.user.id,
        requestId: request.id,
        ipHash: web.ipHash(request.ip),
      });
    }
    reply.header('set-cookie', serializeCookie(web.cookieName, '', { https: web.https, maxAgeSeconds: 0 }));
    return reply.redirect('/logga-in', 303);
  });

  registerOidcRoutes(app, web);
}

const OIDC_MESSAGES = {
  rejected: 'Inloggningen med organisationens konto kunde inte slutföras. Försök igen.',
  noRole:
    'Ditt konto hos organisationen ger ingen behörighet i Horisont. Be en administratör att lägga till dig i rätt grupp.',
  taken: 'Det finns redan ett lokalt konto med samma namn; det kan inte tas över med OIDC.',
  disabled: 'Kontot är avstängt i Horisont.',
  unavailable: 'Organisationens inloggningstjänst svarar inte just nu. Försök igen om en stund.',
} as const;

/**
 * OIDC sign-in. `/logga-in/oidc` starts it: a fresh pre-login session holds state, nonce and the
 * PKCE verifier, and the browser goes to the provider. The provider sends it back to the
 * callback, which uses that pending sign-in once (the session is deleted before the code is
 * exchanged, so a replayed callback finds nothing) and, when everything checks out, opens a new
 * session for the person's account, created or updated from the token's claims.
 */
function registerOidcRoutes(app: FastifyInstance, web: WebContext): void {
  const config = web.options.oidc;
  const client = config
    ? new OidcClient(config, web.options.oidcHttp ?? web.app.http, web.log.child({ component: 'oidc' }))
    : undefined;

  const refuse = async (
    request: FastifyRequest,
    reply: FastifyReply,
    reason: string,
    message: string,
    status: number,
    details: Record<string, unknown> = {},
  ): Promise<FastifyReply> => {
    await appendAudit(web.app.db, {
      action: 'auth.login_failed',
      details: { method: 'oidc', reason, ...details },
      requestId: request.id,
      ipHash: web.ipHash(request.ip),
    });
    web.log.warn({ reason, request_id: request.id }, 'oidc: sign-in refused');
    // A fresh pre-login session, so the page's form (local sign-in) has a CSRF token.
    const session = await createSession(web.app.db, { lifetimeMs: ANONYMOUS_SESSION_MS });
    setSessionCookie(web, reply, session.id, ANONYMOUS_SESSION_MS);
    return sendPage(
      reply,
      request,
      {
        title: 'Logga in',
        section: 'login',
        body: loginPage({ csrfToken: session.csrfToken, next: '/kandidater', error: message, oidc: true }),
      },
      status,
    );
  };

  app.get('/logga-in/oidc', { config: { access: 'public' } }, async (request, reply) => {
    if (!client) throw new ApiError('not_found', 'OIDC är inte konfigurerat.');
    const next = safeNext((request.query as { next?: unknown }).next, web.expectedOrigin(request));
    if (request.user) return reply.redirect(next, 303);
    let started: Awaited<ReturnType<OidcClient['start']>>;
    try {
      started = await client.start(next);
    } catch (error) {
      if (error instanceof OidcUnavailable) throw new ApiError('unavailable', OIDC_MESSAGES.unavailable);
      throw error;
    }
    if (request.session) await deleteSession(web.app.db, request.session.idHash);
    const session = await createSession(web.app.db, {
      lifetimeMs: PENDING_MS,
      pending: { oidc: started.pending },
    });
    setSessionCookie(web, reply, session.id, PENDING_MS);
    return reply.redirect(started.url, 303);
  });

  app.get(OIDC_CALLBACK_PATH, { config: { access: 'public' } }, async (request, reply) => {
    if (!client) throw new ApiError('not_found', 'OIDC är inte konfigurerat.');
    const query = request.query as Record<string, unknown>;
    const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
    const parsed = PendingSignIn.safeParse(request.session?.pending?.oidc);
    const pending = parsed.success ? parsed.data : undefined;
    // One use only, whatever happens next.
    if (request.session && !request.session.user) await deleteSession(web.app.db, request.session.idHash);

    let identity: OidcIdentity;
    try {
      identity = await client.finish(pending, {
        code: text(query.code),
        state: text(query.state),
        error: text(query.error),
      });
    } catch (error) {
      if (error instanceof OidcRejected) {
        const noRole = error.reason === 'no mapped role';
        return refuse(
          request,
          reply,
          error.reason,
          noRole ? OIDC_MESSAGES.noRole : OIDC_MESSAGES.rejected,
          noRole ? 403 : 401,
        );
      }
      if (error instanceof OidcUnavailable) {
        return refuse(request, reply, error.message, OIDC_MESSAGES.unavailable, 503);
      }
      throw error;
    }

    let account: Awaited<ReturnType<typeof upsertOidcUser>>;
    try {
      account = await upsertOidcUser(web.app.db, identity);
    } catch (error) {
      if (error instanceof UserExistsError) {
        return refuse(request, reply, 'local account of that name', OIDC_MESSAGES.taken, 403, {
          username: identity.username,
        });
      }
      throw error;
    }
    const { user } = account;
    const actor = actorOf(user);
    const meta = { requestId: request.id, ipHash: web.ipHash(request.ip) };
    if (account.created) {
      await appendAudit(web.app.db, {
        actor,
        action: 'user.create',
        subjectType: 'user',
        subjectId: user.id,
        after: { username: user.username, role: user.role },
        details: { method: 'oidc' },
        ...meta,
      });
    } else if (account.previousRole !== user.role) {
      await appendAudit(web.app.db, {
        actor,
        action: 'user.role_change',
        subjectType: 'user',
        subjectId: user.id,
        before: { role: account.previousRole },
        after: { role: user.role },
        details: { method: 'oidc' },
        ...meta,
      });
    }
    if (user.disabled) {
      return refuse(request, reply, 'account disabled', OIDC_MESSAGES.disabled, 403, {
        username: user.username,
      });
    }
    const session = await createSession(web.app.db, {
      userId: user.id,
      authMethod: 'oidc',
      lifetimeMs: web.limits.absoluteMs,
    });
    setSessionCookie(web, reply, session.id, web.limits.absoluteMs);
    await appendAudit(web.app.db, {
      actor,
      action: 'auth.login',
      subjectType: 'user',
      subjectId: user.id,
      details: { method: 'oidc' },
      ...meta,
    });
    web.log.info({ user_id: user.id, created: account.created }, 'oidc: signed in');
    return reply.redirect(pending?.next ?? '/kandidater', 303);
  });
}
