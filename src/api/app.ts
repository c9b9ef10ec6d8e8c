import Fastify from 'fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.js';
import type { Access, WebContext, WebOptions } from './context.js';
import { actorOf, createWebContext } from './context.js';
import { ApiError, MESSAGES } from './errors.js';
import type { ErrorCode } from './errors.js';
import {
  API_CSP,
  checkOrigin,
  contentSecurityPolicy,
  newNonce,
  parseCookies,
  setSecurityHeaders,
  tokensEqual,
} from './security.js';
import { authenticateToken, loadSession, roleAtLeast } from '../store/users.js';
import { appendAudit } from '../store/audit.js';
import { sendPage } from './page.js';
import { errorPage } from './views/misc.js';
import { registerAuthRoutes } from './routes/auth.js';
import { registerPageRoutes } from './routes/pages.js';
import { registerApiRoutes } from './routes/api.js';
import { registerSubscriptionRoutes } from './routes/subscriptions.js';
import { registerAccountRoutes } from './routes/accounts.js';
import { registerCaseRoutes } from './routes/cases.js';
import { registerExportRoutes } from './export.js';
import { opsRoutes } from './ops.js';
import { documentedRoute, isApiPath } from './openapi.js';
import type { DocumentedRoute } from './openapi.js';
import { registerAlertRoutes } from './routes/alerts.js';

export type { WebOptions } from './context.js';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function isApiRequest(request: FastifyRequest): boolean {
  return isApiPath(request.url);
}

function sendError(
  web: WebContext,
  request: FastifyRequest,
  reply: FastifyReply,
  error: ApiError,
): FastifyReply {
  if (isApiRequest(request)) {
    if (error.status === 401) reply.header('www-authenticate', 'Bearer realm="horisont"');
    return reply.code(error.status).type('application/json; charset=utf-8').send(error.body());
  }
  return sendPage(
    reply,
    request,
    { title: 'Fel', section: 'none', body: errorPage(error.status, error.message) },
    error.status,
  );
}

/** Audit a refused request without letting an audit failure change the response. */
async function auditRefusal(
  web: WebContext,
  request: FastifyRequest,
  action: string,
  details: Record<string, unknown>,
): Promise<void> {
  try {
    await appendAudit(web.app.db, {
      actor: request.user ? actorOf(request.user) : undefined,
      action,
      details: {
        method: request.method,
        path: request.routeOptions.url ?? request.url.split('?')[0],
        ...details,
      },
      requestId: request.id,
      ipHash: web.ipHash(request.ip),
    });
  } catch (error) {
    web.log.error({ err: error instanceof Error ? error.message : String(error) }, 'web: audit write failed');
  }
}

async function authenticate(web: WebContext, request: FastifyRequest): Promise<void> {
  request.user = undefined;
  request.session = undefined;
  request.authVia = 'none';
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string' && /^bearer\s+/i.test(authorization)) {
    // A bearer request carries no ambient credentials, so cookies are ignored for it entirely.
    const user = await authenticateToken(web.app.db, authorization.replace(/^bearer\s+/i, '').trim());
    if (!user) throw new ApiError('unauthenticated', 'Ogiltig eller återkallad API-nyckel.');
    request.user = user;
    request.authVia = 'token';
    return;
  }
  const sessionId = parseCookies(request.headers.cookie).get(web.cookieName);
  if (!sessionId) return;
  const session = await loadSession(web.app.db, sessionId, web.limits);
  if (!session) return;
  request.session = session;
  if (session.user) {
    request.user = session.user;
    request.authVia = 'session';
  }
}

/**
 * True when a NUL character is anywhere in a parsed query, path parameter or body. PostgreSQL
 * text cannot hold NUL and refuses the whole statement, so such a request would end as a 500
 * wherever its text reaches a query; it is refused at the door instead, once for every route.
 */
function holdsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (value === null || typeof value !== 'object' || depth > 20) return false;
  for (const [key, inner] of Object.entries(value)) {
    if (key.includes('\u0000') || holdsNul(inner, depth + 1)) return true;
  }
  return false;
}

function accessOf(request: FastifyRequest): Access | undefined {
  return request.routeOptions.config?.access;
}

/**
 * The workbench: server-rendered Swedish pages and the JSON API, built without listening so
 * tests can `inject()`. Every route declares who may call it; one that does not is refused at
 * start-up, and every request is checked before its handler runs.
 */
export async function buildWebApp(ctx: AppContext, options: WebOptions = {}): Promise<FastifyInstance> {
  const web = createWebContext(ctx, options);
  const app = Fastify({
    logger: false,
    trustProxy: options.trustProxy ?? false,
    bodyLimit: 256 * 1024,
    exposeHeadRoutes: false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    genReqId: () => crypto.randomUUID(),
  });

  app.decorateRequest('nonce', '');
  app.decorateRequest('user', undefined);
  app.decorateRequest('authVia', 'none');
  app.decorateRequest('session', undefined);

  const apiRoutes: DocumentedRoute[] = [];
  app.decorate('apiRoutes', apiRoutes);
  app.addHook('onRoute', (route) => {
    const access = route.config?.access;
    if (access === undefined) {
      throw new Error(`web: route ${String(route.method)} ${route.url} declares no access`);
    }
    apiRoutes.push(...documentedRoute(route));
  });

  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 64 * 1024 },
    (_request, body, done) => {
      // One value per field (the last), except fields named `…[]` (checkbox groups and multiple
      // selects), which are always arrays: no handler meets an array where it expects a string.
      const fields: Record<string, string | string[]> = Object.create(null) as Record<string, string>;
      for (const [key, value] of new URLSearchParams(body as string)) {
        if (key.endsWith('[]')) fields[key] = [...((fields[key] as string[] | undefined) ?? []), value];
        else fields[key] = value;
      }
      done(null, fields);
    },
  );

  app.addHook('onRequest', async (request, reply) => {
    request.nonce = newNonce();
    setSecurityHeaders(reply, {
      csp: isApiRequest(request) ? API_CSP : contentSecurityPolicy(request.nonce),
      https: web.https,
    });
    request.startedAt = performance.now();
    await authenticate(web, request);
    const access = accessOf(request);
    if (access === undefined || access === 'public') return;
    if (!request.user) {
      if (!isApiRequest(request) && request.method === 'GET') {
        const next =
          request.url.startsWith('/') && !request.url.startsWith('//') ? request.url : '/kandidater';
        return reply.redirect(`/logga-in?next=${encodeURIComponent(next)}`, 303);
      }
      throw new ApiError('unauthenticated', MESSAGES.unauthenticated);
    }
    if (!roleAtLeast(request.user.role, access)) {
      await auditRefusal(web, request, 'access.denied', { required: access });
      throw new ApiError('forbidden', MESSAGES.forbidden, { required: access, role: request.user.role });
    }
  });

  app.addHook('preValidation', (request, _reply, done) => {
    if (holdsNul(request.query) || holdsNul(request.params) || holdsNul(request.body)) {
      done(new ApiError('bad_request', MESSAGES.nul));
      return;
    }
    done();
  });

  // CSRF: every state-changing request made with a cookie session (including the anonymous
  // pre-login one) must come from our origin and carry the session's synchronizer token.
  app.addHook('preHandler', async (request) => {
    if (!MUTATING.has(request.method) || request.authVia === 'token') return;
    const origin = checkOrigin(request, web.expectedOrigin(request));
    const body = request.body as Record<string, unknown> | undefined;
    const sent =
      (typeof request.headers['x-csrf-token'] === 'string' ? request.headers['x-csrf-token'] : undefined) ??
      (body && typeof body._csrf === 'string' ? body._csrf : undefined);
    const reason = !origin.ok
      ? origin.reason
      : !request.session
        ? 'no session'
        : !tokensEqual(sent, request.session.csrfToken)
          ? 'token mismatch'
          : undefined;
    if (reason === undefined) return;
    web.log.warn(
      { reason, route: request.routeOptions.url, request_id: request.id },
      'web: CSRF check refused a request',
    );
    await auditRefusal(web, request, 'security.csrf_rejected', { reason });
    throw new ApiError('csrf_failed', MESSAGES.csrf);
  });

  app.addHook('onResponse', async (request, reply) => {
    web.log.info(
      {
        method: request.method,
        route: request.routeOptions.url,
        status: reply.statusCode,
        duration_ms: Math.round(performance.now() - (request.startedAt ?? performance.now())),
        user_id: request.user?.id,
        request_id: request.id,
      },
      'web: request',
    );
  });

  app.setErrorHandler(async (error, request, reply) => {
    if (error instanceof ApiError) return sendError(web, request, reply, error);
    const status = (error as { statusCode?: number }).statusCode;
    const code = (error as { code?: string }).code ?? '';
    // Text PostgreSQL cannot store (a NUL that slipped past the door, a character the database's
    // encoding lacks) is the request's fault, not a server error.
    if (code === '22021' || code === '22P05') {
      return sendError(web, request, reply, new ApiError('bad_request', MESSAGES.nul));
    }
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const mapped: ErrorCode =
        status === 413
          ? 'payload_too_large'
          : status === 415
            ? 'unsupported_media_type'
            : status === 404
              ? 'not_found'
              : status === 405
                ? 'method_not_allowed'
                : 'bad_request';
      return sendError(
        web,
        request,
        reply,
        new ApiError(mapped, `Begäran kunde inte tolkas (${code || status}).`),
      );
    }
    web.log.error(
      {
        err: error instanceof Error ? error.message : String(error),
        error_kind: 'internal',
        request_id: request.id,
      },
      'web: unhandled error',
    );
    return sendError(web, request, reply, new ApiError('internal', MESSAGES.internal));
  });

  app.setNotFoundHandler(async (request, reply) => {
    request.nonce ||= newNonce();
    return sendError(web, request, reply, new ApiError('not_found', MESSAGES.notFound));
  });

  registerAuthRoutes(app, web);
  registerPageRoutes(app, web);
  registerApiRoutes(app, web);
  registerSubscriptionRoutes(app, web);
  registerAccountRoutes(app, web);
  registerCaseRoutes(app, web);
  registerExportRoutes(app, web);
  await app.register(opsRoutes, { web });
  registerAlertRoutes(app, web);
  await app.ready();
  return app;
}

declare module 'fastify' {
  interface FastifyRequest {
    startedAt?: number;
  }
}
