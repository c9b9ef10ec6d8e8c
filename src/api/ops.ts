import { readFile, stat } from 'node:fs/promises';
import { isIP } from 'node:net';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import type {
  AppControllerRoute,
  AppViewRoute,
  BullBoardQueues,
  ControllerHandlerReturnType,
  IServerAdapter,
  UIConfig,
} from '@bull-board/api/typings/app';
import type { Queue } from 'bullmq';
import { z } from 'zod';
import type { WebContext } from './context.js';
import { API_CSP, tokensEqual } from './security.js';
import { ApiError, MESSAGES } from './errors.js';
import { renderMetrics, startProcessMetrics, withTimeout } from '../app/metrics.js';
import { failFastRedis } from './fail-fast-redis.js';
import { assertSchemaName, currentSetting } from '../store/db.js';
import { pendingMigrations } from '../store/migrate.js';
import { roleAtLeast } from '../store/users.js';
import { escapeHtml } from '../text/html.js';

/**
 * Operations endpoints on the workbench app:
 *
 * - `GET /healthz`: the process is up and serving (liveness; no dependency is asked).
 * - `GET /readyz`: Redis and PostgreSQL answer within a second each and the database schema is
 *   current (readiness); 503 with the reasons otherwise.
 * - `GET /metrics`: Prometheus exposition (src/app/metrics.ts). With `HORISONT_METRICS_TOKEN`
 *   set, scrapers authenticate with HTTP Basic and the token as password; without it, only
 *   direct loopback requests (no proxy headers) are served. A signed-in admin may always look.
 * - `/admin/queues`: the Bull Board queue dashboard for admins, read-only.
 */

const JSON_TYPE = 'application/json; charset=utf-8';
const PROBE_TIMEOUT_MS = 1000;
const BOARD_PATH = '/admin/queues';

export interface OpsOptions {
  web: WebContext;
  /** Default: `HORISONT_METRICS_TOKEN` from the environment. */
  metricsToken?: string | undefined;
}

const MetricsToken = z
  .string()
  .min(16, 'HORISONT_METRICS_TOKEN must be at least 16 characters')
  .max(1000)
  .regex(/^[\x21-\x7e]+$/, 'HORISONT_METRICS_TOKEN: printable ASCII without spaces')
  .optional();

// --- dependency probes ------------------------------------------------------------------------

async function pingRedis(client: Redis): Promise<void> {
  if (client.status === 'wait' || client.status === 'end') {
    await withTimeout(client.connect(), PROBE_TIMEOUT_MS, 'redis');
  }
  await withTimeout(client.ping(), PROBE_TIMEOUT_MS, 'redis');
}

function reasonOf(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^[A-Z0-9_]+$/.test(code)) return code;
  const message = error instanceof Error ? error.message : String(error);
  // Addresses and credentials stay out of a public answer.
  if (/no answer within/.test(message)) return `no answer within ${PROBE_TIMEOUT_MS} ms`;
  if (/writeable|closed|connect/i.test(message)) return 'not connected';
  return 'error';
}

interface Check {
  ok: boolean;
  ms: number;
  reason?: string;
}

async function timed(work: () => Promise<void>): Promise<Check> {
  const started = performance.now();
  try {
    await work();
    return { ok: true, ms: Math.round(performance.now() - started) };
  } catch (error) {
    return { ok: false, ms: Math.round(performance.now() - started), reason: reasonOf(error) };
  }
}

// --- metrics access -------------------------------------------------------------------------

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;
const PROXY_HEADERS = ['x-forwarded-for', 'forwarded', 'x-real-ip', 'x-forwarded-host'];

/** A request made directly on this machine: a loopback peer and no sign of a proxy in between. */
function directLoopback(request: FastifyRequest): boolean {
  const peer = request.socket.remoteAddress ?? '';
  if (isIP(peer) === 0 || !LOOPBACK.test(peer)) return false;
  return PROXY_HEADERS.every((name) => request.headers[name] === undefined);
}

function basicPassword(header: string | undefined): string | undefined {
  if (!header || !/^basic\s+/i.test(header)) return undefined;
  const decoded = Buffer.from(header.replace(/^basic\s+/i, '').trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}

// --- Bull Board -----------------------------------------------------------------------------

/** Collects what createBullBoard configures; the routes are then declared here, with roles. */
class BoardAdapter implements IServerAdapter {
  queues: BullBoardQueues | undefined;
  viewsPath = '';
  staticPath = '';
  entry: AppViewRoute | undefined;
  apiRoutes: AppControllerRoute[] = [];
  uiConfig: UIConfig = {};
  errorHandler: ((error: Error) => ControllerHandlerReturnType) | undefined;
  setQueues(queues: BullBoardQueues): this {
    this.queues = queues;
    return this;
  }
  setViewsPath(viewsPath: string): this {
    this.viewsPath = viewsPath;
    return this;
  }
  setStaticPath(_route: string, staticPath: string): this {
    this.staticPath = staticPath;
    return this;
  }
  setEntryRoute(route: AppViewRoute): this {
    this.entry = route;
    return this;
  }
  setErrorHandler(handler: (error: Error) => ControllerHandlerReturnType): this {
    this.errorHandler = handler;
    return this;
  }
  setApiRoutes(routes: AppControllerRoute[]): this {
    this.apiRoutes = routes;
    return this;
  }
  setUIConfig(config: UIConfig): this {
    this.uiConfig = config;
    return this;
  }
}

/**
 * The one inline `<style>` Bull Board 9.10.1's UI renders (inside its Redis logo SVG), allowed by
 * hash. A new Bull Board version may change it: test/ops/board-browser.test.ts fails on any CSP
 * violation, and its message names the new hash.
 */
const BOARD_STYLE_HASHES = ["'sha256-r2N1TB/gHbBtBZFKg7ejmq1acVSREzucTAEw6ga4hoU='"];

/**
 * Bull Board's UI is a prebuilt single-page app: its page loads hashed script chunks (which load
 * further chunks), stylesheets and a `<base href>`. It cannot run under the workbench's CSP, so
 * this path gets its own, only slightly wider: scripts still need this response's nonce, and
 * `'strict-dynamic'` lets those nonced scripts load the app's own chunks; stylesheets come from
 * our origin, plus one inline style allowed by hash; `<base>` may point at our origin. No
 * `'unsafe-inline'`, no eval, no other host (its Google Fonts link is removed; the UI falls back
 * to system fonts).
 */
export function boardContentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}' 'strict-dynamic'`,
    `style-src 'self' 'nonce-${nonce}' ${BOARD_STYLE_HASHES.join(' ')}`,
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "object-src 'none'",
  ].join('; ');
}

/** Fills Bull Board's page template and puts the nonce on its scripts and styles. */
export function renderBoardPage(template: string, params: Record<string, unknown>, nonce: string): string {
  const html = template
    .replace(/<%([=-])\s*(\w+)\s*%>/g, (_match, kind: string, name: string) => {
      const raw = params[name];
      const value = typeof raw === 'string' || typeof raw === 'number' ? String(raw) : '';
      // `<%-` is only used for the UI config, which Bull Board serialises with < and > escaped.
      return kind === '-' ? value : escapeHtml(value);
    })
    .replace(/<link\b[^>]*fonts\.(googleapis|gstatic)\.com[^>]*>\s*/g, '')
    .replace(/\sstyle="[^"]*"/g, '')
    .replace(/<script\b/g, `<script nonce="${nonce}"`)
    .replace(/<style\b/g, `<style nonce="${nonce}"`);
  if (html.includes('<%')) throw new Error('bull-board: unexpected template syntax in index.ejs');
  return html;
}

const STATIC_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': JSON_TYPE,
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
};

async function staticFile(
  root: string,
  relative: string,
): Promise<{ body: Buffer; type: string } | undefined> {
  if (
    relative.includes('\0') ||
    relative.includes('\\') ||
    relative.split('/').some((part) => part === '..')
  ) {
    return undefined;
  }
  const type = STATIC_TYPES[path.extname(relative).toLowerCase()];
  if (!type) return undefined;
  const file = path.resolve(root, relative);
  if (!file.startsWith(root + path.sep)) return undefined;
  try {
    if (!(await stat(file)).isFile()) return undefined;
    return { body: await readFile(file), type };
  } catch {
    return undefined;
  }
}

function headerRecord(request: FastifyRequest): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function registerBoard(app: FastifyInstance, web: WebContext): void {
  const pipeline = web.app.pipeline;
  const queues: Queue[] = [...Object.values(pipeline.queues), pipeline.nominations] as Queue[];
  const board = new BoardAdapter();
  createBullBoard({
    // Read-only: the queues mirror PostgreSQL's bookkeeping (run_jobs). Retrying, removing or
    // adding jobs behind it would break what a run knows about its work; `horisont backfill
    // --resume` and `horisont start` re-enqueue from PostgreSQL instead.
    queues: queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode: true })),
    serverAdapter: board,
    options: {
      uiConfig: {
        boardTitle: 'Horisont – köer',
        hideDocsLink: true,
        miscLinks: [{ text: 'Arbetsytan', url: '/kandidater' }],
      },
    },
  });
  const entry = board.entry!;
  const staticRoot = path.resolve(board.staticPath);
  let template: Promise<string> | undefined;

  const page = async (request: FastifyRequest, reply: FastifyReply) => {
    template ??= readFile(path.join(board.viewsPath, 'index.ejs'), 'utf8');
    const view = entry.handler({ basePath: BOARD_PATH, uiConfig: board.uiConfig });
    const html = renderBoardPage(await template, view.params, request.nonce);
    return reply
      .header('content-security-policy', boardContentSecurityPolicy(request.nonce))
      .type('text/html; charset=utf-8')
      .send(html);
  };
  for (const route of ([] as string[]).concat(entry.route)) {
    app.get(route === '/' ? BOARD_PATH : `${BOARD_PATH}${route}`, { config: { access: 'admin' } }, page);
  }

  app.get(`${BOARD_PATH}/static/*`, { config: { access: 'admin' } }, async (request, reply) => {
    const file = await staticFile(staticRoot, (request.params as { '*': string })['*']);
    if (!file) throw new ApiError('not_found', MESSAGES.notFound);
    // The file names carry content hashes.
    return reply.header('cache-control', 'private, max-age=86400').type(file.type).send(file.body);
  });

  // Only the board's reading endpoints exist; its state-changing ones (pause, retry, clean,
  // add, obliterate, …) are not routed at all, so they answer 404 whatever the role.
  for (const route of board.apiRoutes) {
    const methods = ([] as string[]).concat(route.method);
    if (!methods.includes('get')) continue;
    for (const url of ([] as string[]).concat(route.route)) {
      app.get(`${BOARD_PATH}${url}`, { config: { access: 'admin' } }, async (request, reply) => {
        let response: ControllerHandlerReturnType;
        try {
          response = await route.handler({
            queues: board.queues!,
            uiConfig: board.uiConfig,
            params: request.params as Record<string, unknown>,
            query: request.query as Record<string, unknown>,
            body: {},
            headers: headerRecord(request),
          });
        } catch (error) {
          web.log.warn(
            { err: error instanceof Error ? error.message : String(error), route: url },
            'web: queue board request failed',
          );
          response = board.errorHandler!(error as Error);
        }
        return reply
          .code(response.status ?? 200)
          .header('content-security-policy', API_CSP)
          .type(JSON_TYPE)
          .send(response.body);
      });
    }
  }
}

// --- the plugin ---------------------------------------------------------------------------

export function opsRoutes(app: FastifyInstance, options: OpsOptions): Promise<void> {
  const { web } = options;
  startProcessMetrics();
  const ctx = web.app;
  const metricsToken = MetricsToken.parse(
    options.metricsToken ?? (process.env.HORISONT_METRICS_TOKEN || undefined),
  );
  let redis: Redis | undefined;
  const probeRedis = () =>
    pingRedis((redis ??= failFastRedis(ctx.pipeline.queues.scan as Queue, PROBE_TIMEOUT_MS)));
  app.addHook('onClose', () => {
    redis?.disconnect();
    return Promise.resolve();
  });

  app.get('/healthz', { config: { access: 'public' } }, async (_request, reply) =>
    reply.header('content-security-policy', API_CSP).type(JSON_TYPE).send({ status: 'ok' }),
  );

  app.get('/readyz', { config: { access: 'public' } }, async (_request, reply) => {
    let pending: number[] = [];
    const [redisCheck, postgresCheck] = await Promise.all([
      timed(probeRedis),
      timed(() =>
        withTimeout(
          (async () => {
            const searchPath = await currentSetting(ctx.db, 'search_path');
            const schema = assertSchemaName(searchPath.split(',')[0]!.trim().replace(/^"|"$/g, ''));
            pending = await pendingMigrations(ctx.db, schema);
          })(),
          PROBE_TIMEOUT_MS,
          'postgres',
        ),
      ),
    ]);
    // A pool whose every connection is checked out answers no faster than a server that is
    // gone; the operator is told which it is (more work than connections, not a dead server).
    if (!postgresCheck.ok && ctx.db.idleCount === 0 && ctx.db.waitingCount > 0) {
      postgresCheck.reason = `pool exhausted: ${ctx.db.totalCount} in use, ${ctx.db.waitingCount} waiting`;
    }
    const migrations = { ok: postgresCheck.ok && pending.length === 0, pending };
    const reasons = [
      ...(redisCheck.ok ? [] : [`redis: ${redisCheck.reason ?? 'error'}`]),
      ...(postgresCheck.ok ? [] : [`postgres: ${postgresCheck.reason ?? 'error'}`]),
      ...(postgresCheck.ok && pending.length > 0 ? [`migrations pending: ${pending.join(', ')}`] : []),
    ];
    const ready = reasons.length === 0;
    return reply
      .code(ready ? 200 : 503)
      .header('content-security-policy', API_CSP)
      .type(JSON_TYPE)
      .send({
        status: ready ? 'ready' : 'unready',
        ...(ready ? {} : { reasons }),
        checks: { redis: redisCheck, postgres: postgresCheck, migrations },
      });
  });

  app.get('/metrics', { config: { access: 'public' } }, async (request, reply) => {
    const admin = request.user !== undefined && roleAtLeast(request.user.role, 'admin');
    if (!admin) {
      if (metricsToken !== undefined) {
        if (!tokensEqual(basicPassword(request.headers.authorization), metricsToken)) {
          return reply
            .code(401)
            .header('www-authenticate', 'Basic realm="horisont-metrics", charset="UTF-8"')
            .header('content-security-policy', API_CSP)
            .type(JSON_TYPE)
            .send({
              error: 'unauthenticated',
              message: 'metrics: HTTP Basic with HORISONT_METRICS_TOKEN as password',
            });
        }
      } else if (!directLoopback(request)) {
        return reply.code(403).header('content-security-policy', API_CSP).type(JSON_TYPE).send({
          error: 'forbidden',
          message: 'metrics: served on loopback only; set HORISONT_METRICS_TOKEN to scrape from elsewhere',
        });
      }
    }
    const metrics = await renderMetrics(ctx, {
      redisUp: () =>
        probeRedis().then(
          () => true,
          () => false,
        ),
      timeoutMs: 2 * PROBE_TIMEOUT_MS,
    });
    return reply.header('content-security-policy', API_CSP).type(metrics.contentType).send(metrics.body);
  });

  registerBoard(app, web);
  return Promise.resolve();
}
