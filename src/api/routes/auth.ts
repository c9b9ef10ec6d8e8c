import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebContext } from '../context.js';
import { actorOf } from '../context.js';
import { ApiError } from '../errors.js';
import { serializeCookie } from '../security.js';
import { sendPage } from '../app.js';
import { loginPage } from '../views/misc.js';
import {
  authenticatePassword,
  createSession,
  deleteExpiredSessions,
  deleteSession,
} from '../../store/users.js';
import { appendAudit } from '../../store/audit.js';

const ANONYMOUS_SESSION_MS = 60 * 60_000;

/** Only same-site paths: `next` must never send a person to another site after sign-in. */
export function safeNext(value: unknown): string {
  if (
    typeof value !== 'string' ||
    !value.startsWith('/') ||
    value.startsWith('//') ||
    value.startsWith('/\\')
  ) {
    return '/kandidater';
  }
  if (value.startsWith('/logga-in') || value.startsWith('/logga-ut') || value.length > 2000) {
    return '/kandidater';
  }
  return value;
}

/**
 * Failed sign-ins per user name and address in a sliding window; in memory, so per process. It
 * slows guessing down, it does not replace the identity provider's own lockout.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();
  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  private recent(key: string, now: number): number[] {
    const list = (this.failures.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (list.length === 0) this.failures.delete(key);
    else this.failures.set(key, list);
    return list;
  }

  blocked(key: string, now = Date.now()): boolean {
    return this.recent(key, now).length >= this.max;
  }

  fail(key: string, now = Date.now()): void {
    this.failures.set(key, [...this.recent(key, now), now]);
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value!);
  }

  reset(key: string): void {
    this.failures.delete(key);
  }
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
  const limit = web.options.loginRateLimit ?? { max: 10, windowMs: 15 * 60_000 };
  const limiter = new LoginLimiter(limit.max, limit.windowMs);

  app.get('/', { config: { access: 'public' } }, async (request, reply) =>
    reply.redirect(request.user ? '/kandidater' : '/logga-in', 303),
  );

  app.get('/logga-in', { config: { access: 'public' } }, async (request, reply) => {
    const next = safeNext((request.query as { next?: unknown }).next);
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
    const next = safeNext(form.next);
    const key = `${username.toLowerCase()}|${request.ip}`;
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
    if (limiter.blocked(key)) {
      await appendAudit(web.app.db, {
        action: 'auth.login_failed',
        details: { username, reason: 'rate-limited' },
        requestId: request.id,
        ipHash: web.ipHash(request.ip),
      });
      return rerender('För många misslyckade försök. Vänta en stund och försök igen.', 429);
    }
    const user =
      username && password ? await authenticatePassword(web.app.db, username, password) : undefined;
    if (!user) {
      limiter.fail(key);
      await appendAudit(web.app.db, {
        action: 'auth.login_failed',
        details: { username, reason: 'bad-credentials' },
        requestId: request.id,
        ipHash: web.ipHash(request.ip),
      });
      return rerender('Fel användarnamn eller lösenord.', 401);
    }
    limiter.reset(key);
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

  app.get('/logga-in/oidc', { config: { access: 'public' } }, () => {
    // The configuration schema and ID-token validation exist (src/api/oidc.ts); the
    // authorization-code exchange needs a POST through the guarded HTTP client, which it lacks.
    return Promise.reject(
      new ApiError(
        'not_implemented',
        web.options.oidc
          ? 'Inloggning med OIDC är konfigurerad men ännu inte färdigbyggd i den här versionen. Använd ett lokalt konto.'
          : 'OIDC är inte konfigurerat.',
      ),
    );
  });
}
