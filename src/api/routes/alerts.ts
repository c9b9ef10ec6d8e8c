import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebContext } from '../context.js';
import { sendPage } from '../page.js';
import { ApiError, MESSAGES } from '../errors.js';
import { html } from '../../text/html.js';
import { API_CSP, serializeCookie } from '../security.js';
import { createSession } from '../../store/users.js';
import {
  deleteSubscription,
  feedEvents,
  subscriptionByFeedTokenHash,
  subscriptionByUnsubscribeToken,
} from '../../store/alerts.js';
import { atomFeed } from '../../alerts/atom.js';
import { alertConfigFromEnv } from '../../alerts/config.js';
import { oneLine } from '../../text/one-line.js';
import { alertLinks } from '../../alerts/relay.js';
import { hashFeedToken } from '../../alerts/subscriptions.js';

const FEED_FILE = /^([A-Za-z0-9_-]{20,100})\.atom$/;
const UNSUBSCRIBE_TOKEN = /^[A-Za-z0-9_-]{20,100}$/;
const FEED_ENTRIES = 100;
const ANONYMOUS_SESSION_MS = 60 * 60_000;

/**
 * RFC 9110 §13.1: If-None-Match (weak comparison, a list or `*`) decides when present;
 * otherwise If-Modified-Since, at the one-second precision of HTTP dates.
 */
export function notModified(
  headers: { 'if-none-match'?: string | undefined; 'if-modified-since'?: string | undefined },
  etag: string,
  lastModified: string,
): boolean {
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
    return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === opaque(etag));
  }
  const since = Date.parse(headers['if-modified-since'] ?? '');
  return !Number.isNaN(since) && Date.parse(lastModified) <= since;
}

/**
 * The subscriber-facing routes: each Atom feed at its secret URL, and the unsubscribe page the
 * e-mails link to. Both are public: the secret in the URL is the credential. Unsubscribing is
 * a form POST (with the workbench's CSRF token), never a GET, so link scanners in mail systems
 * cannot end a subscription by following the link.
 */
export function registerAlertRoutes(app: FastifyInstance, web: WebContext): void {
  const origin = (): string => web.options.publicOrigin ?? alertConfigFromEnv().publicOrigin;

  app.get('/feeds/:file', { config: { access: 'public' } }, async (request, reply) => {
    const file = (request.params as { file: string }).file;
    const token = FEED_FILE.exec(file)?.[1];
    const subscription = token
      ? await subscriptionByFeedTokenHash(web.app.db, hashFeedToken(token))
      : undefined;
    if (!token || !subscription) throw new ApiError('not_found', MESSAGES.notFound);
    const events = await feedEvents(web.app.db, subscription.id, FEED_ENTRIES);
    const base = new URL(origin()).origin;
    const body = atomFeed({
      subscription,
      events,
      selfUrl: `${base}/feeds/${token}.atom`,
      links: alertLinks(base, subscription),
      now: new Date(),
    });
    // Readers poll: a validator lets an unchanged feed cost a 304 instead of the whole body.
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
    const lastModified = (events[0]?.created_at ?? subscription.created_at ?? new Date()).toUTCString();
    reply
      .header('content-security-policy', API_CSP)
      .header('cache-control', 'private, no-cache')
      .header('x-robots-tag', 'noindex')
      .header('etag', etag)
      .header('last-modified', lastModified);
    if (notModified(request.headers, etag, lastModified)) {
      web.log.info({ subscription_id: subscription.id, status: 304 }, 'alerts: feed not modified');
      return reply.code(304).send();
    }
    web.log.info({ subscription_id: subscription.id, entries: events.length }, 'alerts: feed served');
    return reply.type('application/atom+xml; charset=utf-8').send(body);
  });

  app.get('/prenumerationer/avsluta/:token', { config: { access: 'public' } }, async (request, reply) => {
    const subscription = await byToken(web, request);
    if (!subscription) return gone(reply, request);
    const csrfToken = await anonymousCsrf(web, request, reply);
    return sendPage(reply, request, {
      title: 'Avsluta prenumeration',
      section: 'none',
      body: html`<h1>Avsluta prenumeration</h1>
        <p>
          Vill du avsluta prenumerationen <strong>${oneLine(subscription.name, 200)}</strong>? Du får då inga
          fler meddelanden från den, och inget sparas om den.
        </p>
        <form method="post">
          <input type="hidden" name="_csrf" value="${csrfToken}" />
          <button type="submit">Avsluta prenumerationen</button>
        </form>`,
    });
  });

  app.post('/prenumerationer/avsluta/:token', { config: { access: 'public' } }, async (request, reply) => {
    const subscription = await byToken(web, request);
    if (!subscription) return gone(reply, request);
    await deleteSubscription(web.app.db, subscription.id);
    web.log.info({ subscription_id: subscription.id }, 'alerts: unsubscribed');
    return sendPage(reply, request, {
      title: 'Prenumerationen är avslutad',
      section: 'none',
      body: html`<h1>Prenumerationen är avslutad</h1>
        <p>Du får inga fler meddelanden från ${oneLine(subscription.name, 200)}.</p>`,
    });
  });
}

async function byToken(web: WebContext, request: FastifyRequest) {
  const token = (request.params as { token: string }).token;
  if (!UNSUBSCRIBE_TOKEN.test(token)) return undefined;
  return subscriptionByUnsubscribeToken(web.app.db, token);
}

function gone(reply: FastifyReply, request: FastifyRequest): FastifyReply {
  return sendPage(
    reply,
    request,
    {
      title: 'Prenumerationen finns inte',
      section: 'none',
      body: html`<h1>Prenumerationen finns inte</h1>
        <p>Den är redan avslutad, eller länken är inte längre giltig.</p>`,
    },
    404,
  );
}

/** The same anonymous session the sign-in page uses, so the form carries a CSRF token. */
async function anonymousCsrf(web: WebContext, request: FastifyRequest, reply: FastifyReply): Promise<string> {
  if (request.session) return request.session.csrfToken;
  const session = await createSession(web.app.db, { lifetimeMs: ANONYMOUS_SESSION_MS });
  reply.header(
    'set-cookie',
    serializeCookie(web.cookieName, session.id, {
      https: web.https,
      maxAgeSeconds: ANONYMOUS_SESSION_MS / 1000,
    }),
  );
  return session.csrfToken;
}
