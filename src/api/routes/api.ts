import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { WebContext } from '../context.js';
import { actorOf } from '../context.js';
import { ApiError, MESSAGES } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import { AccountError, changeAccount } from '../../app/accounts.js';
import type { AccountChange, AccountErrorCode } from '../../app/accounts.js';
import { contentSecurityPolicy } from '../security.js';
import {
  AuditQuery,
  IdParams,
  CandidateQuery,
  DecisionBody,
  NoteBody,
  decide,
  note,
  parseAuditFilter,
  parseCandidateFilter,
  parseCandidateId,
  parseOrThrow,
  ScanBody,
  startScan,
} from '../service.js';
import {
  AnyObject,
  CandidateList,
  CurationResponse,
  DecisionResponse,
  RunStarted,
  openApiDocument,
} from '../openapi.js';
import { MergeBody, SplitBody, curationVersion, merge, split } from '../curation.js';
import type { CurationResult } from '../../app/curation.js';
import { reportDocument } from '../views/report.js';
import { NPO_NAMES } from '../../domain/programme-areas.js';
import { candidateDetail, filterOptions, listCandidates, listRuns } from '../../store/workbench.js';
import { DISMISS_REASONS, listDecisions, listNotes } from '../../store/decisions.js';
import { latestReport } from '../../store/reports.js';
import { appendAudit, auditChainProblems, listAudit } from '../../store/audit.js';
import { listNominations, sourceHealth } from '../../store/queries.js';
import { runSummary } from '../../store/runs.js';
import {
  ROLES,
  USERNAME,
  UserExistsError,
  createApiToken,
  createUser,
  findUserByUsername,
  listApiTokens,
  listUsers,
} from '../../store/users.js';
import type { ApiTokenInfo, User } from '../../store/users.js';

const JSON_TYPE = 'application/json; charset=utf-8';

const NewUser = z.object({
  username: z.string().regex(USERNAME),
  displayName: z.string().trim().min(1).max(200).optional(),
  role: z.enum(ROLES),
  password: z.string().min(12).max(1000).optional(),
});

const NewToken = z.object({ name: z.string().trim().max(100).optional() });

const ReportQuery = z.object({ format: z.enum(['json', 'markdown', 'html']).default('json') });
const RunsQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(20) });
const TokenParams = z.object({ tokenId: z.uuid() });

function userJson(user: User) {
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    role: user.role,
    authSource: user.authSource,
    disabled: user.disabled,
    createdAt: user.createdAt.toISOString(),
  };
}

const UserChange = z.object({ role: z.enum(ROLES).optional(), disabled: z.boolean().optional() }).strict();
const PasswordReset = z.object({ password: z.string().min(12).max(1000).optional() }).strict();

function tokenJson(token: ApiTokenInfo) {
  return {
    id: token.id,
    username: token.username,
    name: token.name,
    prefix: token.prefix,
    createdAt: token.createdAt.toISOString(),
    lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
    expiresAt: token.expiresAt?.toISOString() ?? null,
    revokedAt: token.revokedAt?.toISOString() ?? null,
  };
}

function usernameParam(request: FastifyRequest): string {
  return (request.params as { username: string }).username;
}

const ACCOUNT_ERRORS: Record<AccountErrorCode, ErrorCode> = {
  not_found: 'not_found',
  last_admin: 'invalid_transition',
  managed_by_idp: 'invalid_transition',
  invalid: 'validation_failed',
};

/** An account refusal as the API's error shape (the message is the same Swedish sentence). */
export function accountApiError(error: unknown): unknown {
  return error instanceof AccountError ? new ApiError(ACCOUNT_ERRORS[error.code], error.message) : error;
}

function idParam(request: FastifyRequest): string {
  return parseCandidateId((request.params as { id: string }).id);
}

export function registerApiRoutes(app: FastifyInstance, web: WebContext): void {
  const db = web.app.db;

  app.get(
    '/api/openapi.json',
    {
      config: {
        access: 'public',
        openapi: {
          summary: 'Detta dokument',
          responses: { 200: { description: 'OK', json: AnyObject } },
          errors: [],
        },
      },
    },
    async (_request, reply) => reply.type(JSON_TYPE).send(openApiDocument(app.apiRoutes)),
  );

  app.get(
    '/api/me',
    {
      config: {
        access: 'viewer',
        openapi: {
          summary: 'Inloggad användare (och CSRF-token för sessioner)',
          responses: { 200: { description: 'OK', json: AnyObject } },
          errors: [401],
        },
      },
    },
    (request) =>
      Promise.resolve({
        user: userJson(request.user as User),
        via: request.authVia,
        // Browser clients send this back as X-CSRF-Token on state-changing API calls.
        ...(request.session ? { csrfToken: request.session.csrfToken } : {}),
      }),
  );

  app.get(
    '/api/filters',
    {
      config: {
        access: 'viewer',
        openapi: {
          summary: 'Värden för filtermenyer: källor, råd, NPO, avförandeskäl',
          responses: { 200: { description: 'OK', json: AnyObject } },
          errors: [401],
        },
      },
    },
    async () => ({
      ...(await filterOptions(db)),
      npoAreas: NPO_NAMES,
      dismissReasons: Object.entries(DISMISS_REASONS).map(([code, label]) => ({ code, label })),
    }),
  );

  app.get(
    '/api/candidates',
    {
      config: {
        access: 'viewer',
        openapi: {
          summary: 'Rangordnade kandidater med filter, sortering, sidindelning och antal',
          query: CandidateQuery,
          responses: { 200: { description: 'OK', json: CandidateList } },
          errors: [400, 401],
        },
      },
    },
    async (request) => listCandidates(db, parseCandidateFilter(request.query)),
  );

  app.get(
    '/api/candidates/:id',
    {
      config: {
        access: 'viewer',
        openapi: {
          summary:
            'En kandidat: identifierare, regulatorisk status, evidens, poäng per kriterium, dubbletter, beslut',
          params: IdParams,
          responses: { 200: { description: 'OK', json: AnyObject } },
          errors: [401, 404],
        },
      },
    },
    async (request) => {
      const id = idParam(request);
      const [candidate, decisions, notes] = await Promise.all([
        candidateDetail(db, id),
        listDecisions(db, id),
        listNotes(db, id),
      ]);
      if (!candidate) throw new ApiError('not_found', MESSAGES.notFound);
      return { candidate, decisions, notes };
    },
  );

  app.get(
    '/api/candidates/:id/decisions',
    {
      config: {
        access: 'viewer',
        openapi: {
          summary: 'Beslutshistorik och aktuellt läge',
          params: IdParams,
          responses: { 200: { description: 'OK', json: AnyObject } },
          errors: [401, 404],
        },
      },
    },
    async (request) => {
      const id = idParam(request);
      const candidate = await candidateDetail(db, id);
      if (!candidate) throw new ApiError('not_found', MESSAGES.notFound);
      return { state: candidate.state, decisions: await listDecisions(db, id) };
    },
  );

  app.post(
    '/api/candidates/:id/decisions',
    {
      config: {
        access: 'reviewer',
        openapi: {
          summary: 'Fatta ett beslut: nominera, avföra, bevaka, sluta bevaka, återöppna',
          params: IdParams,
          body: DecisionBody,
          responses: {
            201: {
              description: 'Registrerat (eller samma svar igen för ett upprepat clientRequestId)',
              json: DecisionResponse,
              replayable: true,
            },
          },
          errors: [400, 401, 403, 404, 409, 422],
        },
      },
    },
    async (request, reply) => {
      const id = idParam(request);
      const body = parseOrThrow(DecisionBody, request.body ?? {});
      const result = await decide(web, request, request.user as User, id, body);
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(201).type(JSON_TYPE).send({ decision: result.decision, state: result.state });
    },
  );

  const curated = (reply: FastifyReply, id: string, result: CurationResult, version: string | undefined) => {
    if (!result.created) reply.header('idempotent-replayed', 'true');
    return reply
      .code(201)
      .type(JSON_TYPE)
      .send({
        action: result.action,
        candidateId: result.candidateId,
        otherCandidateId: result.otherCandidateId,
        version: version ?? null,
      });
  };

  app.post(
    '/api/candidates/:id/merge',
    {
      config: {
        access: 'reviewer',
        openapi: {
          summary:
            'Slå ihop: den andra kandidaten slås in i denna (samma kod som horisont merge). Automatisk matchning ändrar inte på det.',
          params: IdParams,
          body: MergeBody,
          responses: { 201: { description: 'OK', json: CurationResponse, replayable: true } },
          errors: [400, 401, 403, 404, 409, 422],
        },
      },
    },
    async (request, reply) => {
      const id = idParam(request);
      const result = await merge(
        web,
        request,
        request.user as User,
        id,
        parseOrThrow(MergeBody, request.body ?? {}),
      );
      return curated(reply, id, result, (await curationVersion(web, id))?.version);
    },
  );

  app.post(
    '/api/candidates/:id/split',
    {
      config: {
        access: 'reviewer',
        openapi: {
          summary:
            'Dela upp: de valda evidensposterna flyttas till en ny kandidat (samma kod som horisont split); gäller även vid senare skanningar.',
          params: IdParams,
          body: SplitBody,
          responses: { 201: { description: 'OK', json: CurationResponse, replayable: true } },
          errors: [400, 401, 403, 404, 409, 422],
        },
      },
    },
    async (request, reply) => {
      const id = idParam(request);
      const result = await split(
        web,
        request,
        request.user as User,
        id,
        parseOrThrow(SplitBody, request.body ?? {}),
      );
      return curated(reply, id, result, (await curationVersion(web, id))?.version);
    },
  );

  app.get(
    '/api/candidates/:id/notes',
    {
      config: {
        access: 'viewer',
        openapi: {
          summary: 'Anteckningar',
          params: IdParams,
          responses: { 200: { description: 'OK', json: AnyObject } },
          errors: [401],
        },
      },
    },
    async (request) => ({
      notes: await listNotes(db, idParam(request)),
    }),
  );

  app.post(
    '/api/candidates/:id/notes',
    {
      config: {
        access: 'reviewer',
        openapi: {
          summary: 'Lägg till en anteckning',
          params: IdParams,
          body: NoteBody,
          responses: { 201: { description: 'OK', json: AnyObject, replayable: true } },
          errors: [400, 401, 403, 404, 422],
        },
      },
    },
    async (request, reply) => {
      const id = idParam(request);
      const body = parseOrThrow(NoteBody, request.body ?? {});
      const result = await note(web, request, request.user as User, id, body);
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(201).type(JSON_TYPE).send({ note: result.note });
    },
  );

  app.get(
    '/api/candidates/:id/report',
    {
      config: {
        access: 'viewer',
        openapi: {
          summary: 'Senaste tidiga bedömningsrapport (JSON, Markdown eller HTML)',
          params: IdParams,
          query: ReportQuery,
          responses: {
            200: {
              description: 'Rapporten',
              json: AnyObject,
              content: { 'text/markdown': z.string(), 'text/html': z.string() },
            },
          },
          errors: [400, 401, 404],
        },
      },
    },
    async (request, reply) => {
      const id = idParam(request);
      const format = parseOrThrow(ReportQuery, request.query ?? {}).format;
      const report = await latestReport(db, id);
      if (!report) throw new ApiError('not_found', 'Kandidaten har ingen rapport.');
      if (format === 'markdown') return reply.type('text/markdown; charset=utf-8').send(report.markdown);
      if (format === 'html') {
        return reply
          .header('content-security-policy', contentSecurityPolicy(request.nonce))
          .type('text/html; charset=utf-8')
          .send(
            reportDocument(
              report,
              (await candidateDetail(db, id))?.name ?? id,
              request.nonce,
              web.app.config.sourceLabels,
            ),
          );
      }
      return {
        id: report.id,
        candidateId: report.candidate_id,
        version: report.version,
        band: report.band,
        createdAt: report.created_at.toISOString(),
        report: report.json,
      };
    },
  );

  app.get(
    '/api/nominations',
    {
      config: {
        access: 'viewer',
        openapi: {
          summary: 'Nomineringar (automatiska och manuella)',
          responses: { 200: { description: 'OK', json: AnyObject } },
          errors: [401],
        },
      },
    },
    async () => ({
      nominations: await listNominations(db),
    }),
  );

  app.get(
    '/api/audit',
    {
      config: {
        access: 'reviewer',
        openapi: {
          summary: 'Granskningslogg: vem, vad, när, före och efter',
          query: AuditQuery,
          responses: { 200: { description: 'OK', json: AnyObject } },
          errors: [400, 401, 403],
        },
      },
    },
    async (request) => {
      const filter = parseAuditFilter(request.query);
      const result = await listAudit(db, filter);
      return { ...result, page: filter.page, pageSize: filter.pageSize };
    },
  );

  app.get(
    '/api/audit/verify',
    {
      config: {
        access: 'admin',
        openapi: {
          summary: 'Kontrollera granskningsloggens hashkedja',
          responses: { 200: { description: 'OK', json: AnyObject } },
          errors: [401, 403],
        },
      },
    },
    async () => {
      const problems = await auditChainProblems(db);
      return { intact: problems.length === 0, problems };
    },
  );

  app.get(
    '/api/sources',
    {
      config: {
        access: 'viewer',
        openapi: {
          summary: 'Källornas hälsa och senaste utfall',
          responses: { 200: { description: 'OK', json: AnyObject } },
          errors: [401],
        },
      },
    },
    async () => ({
      sources: await sourceHealth(db),
    }),
  );

  app.get(
    '/api/runs',
    {
      config: {
        access: 'viewer',
        openapi: {
          summary: 'Senaste körningar',
          query: RunsQuery,
          responses: { 200: { description: 'OK', json: AnyObject } },
          errors: [400, 401],
        },
      },
    },
    async (request) => {
      const { limit } = parseOrThrow(RunsQuery, request.query ?? {});
      return { runs: await listRuns(db, limit) };
    },
  );

  app.post(
    '/api/runs',
    {
      config: {
        access: 'admin',
        openapi: {
          summary:
            'Skanna nu: starta en körning av alla påslagna källor (eller de angivna). Körningen sparas i databasen innan svaret; är kön (Redis) nere startar den när kön är tillbaka (enqueued: false).',
          body: ScanBody,
          responses: { 202: { description: 'OK', json: RunStarted, replayable: true } },
          errors: [400, 401, 403],
        },
      },
    },
    async (request, reply) => {
      const body = parseOrThrow(ScanBody, request.body ?? {});
      const result = await startScan(web, request, request.user as User, body);
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(202).type(JSON_TYPE).send({ runId: result.runId, enqueued: result.enqueued });
    },
  );

  app.get(
    '/api/runs/:id',
    {
      config: {
        access: 'viewer',
        openapi: {
          summary: 'En körning per källa',
          params: IdParams,
          responses: { 200: { description: 'OK', json: AnyObject } },
          errors: [401, 404],
        },
      },
    },
    async (request) => {
      const summary = await runSummary(db, idParam(request));
      if (!summary) throw new ApiError('not_found', MESSAGES.notFound);
      return summary;
    },
  );

  app.get(
    '/api/users',
    {
      config: {
        access: 'admin',
        openapi: {
          summary: 'Användare',
          responses: { 200: { description: 'OK', json: AnyObject } },
          errors: [401, 403],
        },
      },
    },
    async () => ({
      users: (await listUsers(db)).map(userJson),
    }),
  );

  app.post(
    '/api/users',
    {
      config: {
        access: 'admin',
        openapi: {
          summary: 'Skapa en användare',
          body: NewUser,
          responses: { 201: { description: 'OK', json: AnyObject } },
          errors: [400, 401, 403, 409],
        },
      },
    },
    async (request, reply) => {
      const body = parseOrThrow(NewUser, request.body ?? {});
      let user: User;
      try {
        user = await createUser(db, body);
      } catch (error) {
        if (error instanceof UserExistsError) {
          throw new ApiError('already_exists', 'Användarnamnet finns redan.');
        }
        throw error;
      }
      await appendAudit(db, {
        actor: actorOf(request.user as User),
        action: 'user.create',
        subjectType: 'user',
        subjectId: user.id,
        after: { username: user.username, role: user.role },
        requestId: request.id,
        ipHash: web.ipHash(request.ip),
      });
      return reply
        .code(201)
        .type(JSON_TYPE)
        .send({ user: userJson(user) });
    },
  );

  /** One account change through the shared path; refusals become the API's error shape. */
  const accountChange = async (request: FastifyRequest, change: AccountChange) => {
    try {
      return await changeAccount(db, usernameParam(request), change, {
        actor: actorOf(request.user as User),
        via: 'api',
        requestId: request.id,
        ipHash: web.ipHash(request.ip),
      });
    } catch (error) {
      throw accountApiError(error);
    }
  };

  app.patch(
    '/api/users/:username',
    {
      config: {
        access: 'admin',
        openapi: {
          summary: 'Ändra roll eller stäng av / aktivera ett konto (granskningsloggas)',
          body: UserChange,
          responses: { 200: { description: 'OK', json: AnyObject } },
          errors: [400, 401, 403, 404, 409],
        },
      },
    },
    async (request) => {
      const body = parseOrThrow(UserChange, request.body ?? {});
      let result =
        body.role === undefined ? undefined : await accountChange(request, { kind: 'role', role: body.role });
      if (body.disabled !== undefined) {
        result = await accountChange(request, { kind: body.disabled ? 'disable' : 'enable' });
      }
      if (!result) throw new ApiError('validation_failed', 'Ange role eller disabled.');
      return { user: userJson(result.user) };
    },
  );

  app.post(
    '/api/users/:username/password',
    {
      config: {
        access: 'admin',
        openapi: {
          summary: 'Nytt lösenord (genereras och visas en gång om inget anges); loggar ut kontot överallt',
          body: PasswordReset,
          bodyOptional: true,
          responses: { 200: { description: 'OK', json: AnyObject } },
          errors: [400, 401, 403, 404, 409],
        },
      },
    },
    async (request) => {
      const body = parseOrThrow(PasswordReset, request.body ?? {});
      const result = await accountChange(request, { kind: 'password', password: body.password });
      return {
        user: userJson(result.user),
        sessionsEnded: result.sessionsEnded ?? 0,
        ...(result.password ? { password: result.password } : {}),
      };
    },
  );

  app.get(
    '/api/users/:username/tokens',
    {
      config: {
        access: 'admin',
        openapi: {
          summary: 'Kontots API-nycklar (aldrig hemligheten)',
          responses: { 200: { description: 'OK', json: AnyObject } },
          errors: [401, 403, 404],
        },
      },
    },
    async (request) => {
      const owner = await findUserByUsername(db, usernameParam(request));
      if (!owner) throw new ApiError('not_found', 'Användaren finns inte.');
      return { tokens: (await listApiTokens(db, owner.id)).map(tokenJson) };
    },
  );

  app.delete(
    '/api/users/:username/tokens',
    {
      config: {
        access: 'admin',
        openapi: {
          summary: 'Återkalla kontots alla giltiga API-nycklar',
          responses: { 200: { description: 'OK', json: AnyObject } },
          errors: [401, 403, 404],
        },
      },
    },
    async (request) => ({
      revoked: (await accountChange(request, { kind: 'revoke-tokens' })).revokedTokens ?? [],
    }),
  );

  app.delete(
    '/api/users/:username/tokens/:tokenId',
    {
      config: {
        access: 'admin',
        openapi: {
          summary: 'Återkalla en API-nyckel; den slutar gälla direkt',
          params: TokenParams,
          responses: { 200: { description: 'OK', json: AnyObject } },
          errors: [400, 401, 403, 404],
        },
      },
    },
    async (request) => ({
      revoked:
        (
          await accountChange(request, {
            kind: 'revoke-tokens',
            tokenId: (request.params as { tokenId: string }).tokenId,
          })
        ).revokedTokens ?? [],
    }),
  );

  app.post(
    '/api/users/:username/tokens',
    {
      config: {
        access: 'admin',
        openapi: {
          summary: 'Skapa en API-nyckel (visas en gång)',
          body: NewToken,
          bodyOptional: true,
          responses: { 201: { description: 'OK', json: AnyObject } },
          errors: [400, 401, 403, 404],
        },
      },
    },
    async (request, reply) => {
      const body = parseOrThrow(NewToken, request.body ?? {});
      const owner = await findUserByUsername(db, (request.params as { username: string }).username);
      if (!owner) throw new ApiError('not_found', 'Användaren finns inte.');
      const created = await createApiToken(db, owner.id, body.name ?? '');
      await appendAudit(db, {
        actor: actorOf(request.user as User),
        action: 'token.create',
        subjectType: 'user',
        subjectId: owner.id,
        after: { tokenId: created.id, prefix: created.prefix },
        requestId: request.id,
        ipHash: web.ipHash(request.ip),
      });
      return reply
        .code(201)
        .type(JSON_TYPE)
        .send({ id: created.id, token: created.token, prefix: created.prefix });
    },
  );
}
