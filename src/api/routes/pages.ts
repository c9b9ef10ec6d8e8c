import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { WebContext } from '../context.js';
import { ApiError, MESSAGES } from '../errors.js';
import { html } from '../../text/html.js';
import type { HtmlValue } from '../../text/html.js';
import { sendPage } from '../page.js';
import {
  AuditQuery,
  DecisionBody,
  NoteBody,
  decide,
  decisionBodyFromForm,
  note,
  toAuditFilter,
  parseCandidateFilterForPage,
  parseCandidateId,
  parseFilterForPage,
  parseOrThrow,
  ScanBody,
  startScan,
  validationError,
} from '../service.js';
import { candidateListPage, candidatePage, conflictNotice } from '../views/candidates.js';
import type { CandidatePageInput } from '../views/candidates.js';
import { auditPage, runPage, sourcesPage } from '../views/misc.js';
import { MergeBody, SplitBody, merge, mergeBodyFromForm, split, splitBodyFromForm } from '../curation.js';
import { reportDocument, reportSection } from '../views/report.js';
import { candidateDetail, filterOptions, listCandidates, listRuns } from '../../store/workbench.js';
import { listDecisions, listNotes } from '../../store/decisions.js';
import { caseStatesOfCandidates } from '../../store/cases.js';
import { stockholmDay } from '../../domain/dates.js';
import type { DecisionState } from '../../store/decisions.js';
import { latestReport } from '../../store/reports.js';
import { listAudit } from '../../store/audit.js';
import { sourceHealth } from '../../store/queries.js';
import { runSummary } from '../../store/runs.js';
import type { User } from '../../store/users.js';

const ACTION_DONE: Record<string, string> = {
  nominate: 'Kandidaten är nominerad och skickad till nomineringskön.',
  dismiss: 'Kandidaten är avförd.',
  watch: 'Kandidaten bevakas.',
  unwatch: 'Kandidaten bevakas inte längre.',
  reopen: 'Kandidaten är återöppnad.',
  note: 'Anteckningen är sparad.',
  merge: 'Kandidaterna är sammanslagna.',
  split: 'Kandidaten är uppdelad; de valda evidensposterna finns nu på en ny kandidat.',
};

async function renderCandidate(
  web: WebContext,
  request: FastifyRequest,
  reply: FastifyReply,
  id: string,
  notice?: CandidatePageInput['notice'],
  status = 200,
): Promise<FastifyReply> {
  const user = request.user as User;
  const [candidate, decisions, notes, report, cases] = await Promise.all([
    candidateDetail(web.app.db, id),
    listDecisions(web.app.db, id),
    listNotes(web.app.db, id),
    latestReport(web.app.db, id),
    caseStatesOfCandidates(web.app.db, [id], stockholmDay(web.now())),
  ]);
  if (!candidate) throw new ApiError('not_found', MESSAGES.notFound);
  return sendPage(
    reply,
    request,
    {
      title: candidate.name,
      section: 'candidates',
      body: candidatePage(
        {
          candidate,
          decisions,
          notes,
          user,
          csrfToken: request.session?.csrfToken ?? '',
          notice,
          cases: cases.get(id),
          sourceLabels: web.app.config.sourceLabels,
        },
        report ? reportSection(report, web.app.config.sourceLabels) : undefined,
      ),
    },
    status,
  );
}

function errorList(error: ApiError): HtmlValue {
  const details = Array.isArray(error.details)
    ? (error.details as Array<{ path: string; message: string }>)
    : [];
  return html`${error.message}${
    details.length
      ? html`<ul>
          ${details.map((d) => html`<li>${d.path}: ${d.message}</li>`)}
        </ul>`
      : ''
  }`;
}

export function registerPageRoutes(app: FastifyInstance, web: WebContext): void {
  app.get('/kandidater', { config: { access: 'viewer' } }, async (request, reply) => {
    const { filter, errors, typed } = parseCandidateFilterForPage(request.query);
    const [list, options] = await Promise.all([
      listCandidates(web.app.db, filter),
      filterOptions(web.app.db),
    ]);
    return sendPage(
      reply,
      request,
      {
        title: 'Kandidater',
        section: 'candidates',
        body: candidateListPage({
          list,
          filter,
          options,
          errors,
          typed,
          sourceLabels: web.app.config.sourceLabels,
        }),
      },
      Object.keys(errors).length > 0 ? 400 : 200,
    );
  });

  app.get('/kandidater/:id', { config: { access: 'viewer' } }, async (request, reply) => {
    const id = parseCandidateId((request.params as { id: string }).id);
    const done = (request.query as { klart?: string }).klart;
    const notice = done && ACTION_DONE[done] ? { kind: 'ok' as const, text: ACTION_DONE[done] } : undefined;
    return renderCandidate(web, request, reply, id, notice);
  });

  app.post('/kandidater/:id/beslut', { config: { access: 'reviewer' } }, async (request, reply) => {
    const id = parseCandidateId((request.params as { id: string }).id);
    const parsed = DecisionBody.safeParse(
      decisionBodyFromForm((request.body ?? {}) as Record<string, string>),
    );
    if (!parsed.success) {
      return renderCandidate(
        web,
        request,
        reply,
        id,
        { kind: 'error', text: errorList(validationError(parsed.error)) },
        400,
      );
    }
    try {
      const result = await decide(web, request, request.user as User, id, parsed.data);
      // Post/Redirect/Get: a reload does not post again.
      return reply.redirect(`/kandidater/${id}?klart=${result.decision.action}#beslut`, 303);
    } catch (error) {
      if (
        error instanceof ApiError &&
        (error.code === 'version_conflict' || error.code === 'invalid_transition')
      ) {
        const current = (error.details as { current: DecisionState }).current;
        const text = error.code === 'version_conflict' ? conflictNotice(current) : html`${error.message}`;
        return renderCandidate(web, request, reply, id, { kind: 'error', text }, 409);
      }
      if (error instanceof ApiError && error.code === 'request_id_reused') {
        return renderCandidate(web, request, reply, id, { kind: 'error', text: error.message }, 422);
      }
      throw error;
    }
  });

  app.post('/kandidater/:id/anteckningar', { config: { access: 'reviewer' } }, async (request, reply) => {
    const id = parseCandidateId((request.params as { id: string }).id);
    const form = (request.body ?? {}) as Record<string, string>;
    const parsed = NoteBody.safeParse({ body: form.body, clientRequestId: form.client_request_id });
    if (!parsed.success) {
      return renderCandidate(
        web,
        request,
        reply,
        id,
        { kind: 'error', text: errorList(validationError(parsed.error)) },
        400,
      );
    }
    await note(web, request, request.user as User, id, parsed.data);
    return reply.redirect(`/kandidater/${id}?klart=note#historik`, 303);
  });

  /** Merge and split forms: a refusal is shown on the candidate page with its status. */
  const curate = async (
    request: FastifyRequest,
    reply: FastifyReply,
    parse: (form: Record<string, string | string[] | undefined>) => z.ZodSafeParseResult<unknown>,
    act: (id: string, body: never) => Promise<{ action: string }>,
  ): Promise<FastifyReply> => {
    const id = parseCandidateId((request.params as { id: string }).id);
    const parsed = parse((request.body ?? {}) as Record<string, string | string[] | undefined>);
    if (!parsed.success) {
      return renderCandidate(
        web,
        request,
        reply,
        id,
        { kind: 'error', text: errorList(validationError(parsed.error)) },
        400,
      );
    }
    try {
      const result = await act(id, parsed.data as never);
      const anchor = result.action === 'merge' ? '#dubbletter' : '#evidens';
      return reply.redirect(`/kandidater/${id}?klart=${result.action}${anchor}`, 303);
    } catch (error) {
      if (
        error instanceof ApiError &&
        (error.code === 'version_conflict' ||
          error.code === 'invalid_transition' ||
          error.code === 'request_id_reused')
      ) {
        return renderCandidate(web, request, reply, id, { kind: 'error', text: error.message }, error.status);
      }
      throw error;
    }
  };

  app.post('/kandidater/:id/sla-ihop', { config: { access: 'reviewer' } }, async (request, reply) =>
    curate(
      request,
      reply,
      (form) => MergeBody.safeParse(mergeBodyFromForm(form)),
      (id, body) => merge(web, request, request.user as User, id, body),
    ),
  );

  app.post('/kandidater/:id/dela-upp', { config: { access: 'reviewer' } }, async (request, reply) =>
    curate(
      request,
      reply,
      (form) => SplitBody.safeParse(splitBodyFromForm(form)),
      (id, body) => split(web, request, request.user as User, id, body),
    ),
  );

  const reportFor = async (request: FastifyRequest) => {
    const id = parseCandidateId((request.params as { id: string }).id);
    const report = await latestReport(web.app.db, id);
    if (!report) throw new ApiError('not_found', 'Kandidaten har ingen rapport.');
    const candidate = await candidateDetail(web.app.db, id);
    return { id, report, name: candidate?.name ?? id };
  };

  app.get('/kandidater/:id/rapport.md', { config: { access: 'viewer' } }, async (request, reply) => {
    const { id, report } = await reportFor(request);
    return reply
      .type('text/markdown; charset=utf-8')
      .header('content-disposition', `attachment; filename="horisont-${id}-v${report.version}.md"`)
      .send(report.markdown);
  });

  app.get('/kandidater/:id/rapport.json', { config: { access: 'viewer' } }, async (request, reply) => {
    const { id, report } = await reportFor(request);
    return reply
      .type('application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="horisont-${id}-v${report.version}.json"`)
      .send(JSON.stringify(report.json, null, 2));
  });

  app.get('/kandidater/:id/rapport.html', { config: { access: 'viewer' } }, async (request, reply) => {
    const { report, name } = await reportFor(request);
    return reply
      .type('text/html; charset=utf-8')
      .send(reportDocument(report, name, request.nonce, web.app.config.sourceLabels));
  });

  app.get('/granskningslogg', { config: { access: 'reviewer' } }, async (request, reply) => {
    const parsed = parseFilterForPage(AuditQuery, request.query);
    const filter = toAuditFilter(parsed.value);
    const result = await listAudit(web.app.db, filter);
    return sendPage(
      reply,
      request,
      {
        title: 'Granskningslogg',
        section: 'audit',
        body: auditPage({ ...result, filter, errors: parsed.errors, typed: parsed.typed }),
      },
      Object.keys(parsed.errors).length > 0 ? 400 : 200,
    );
  });

  app.get('/kallor', { config: { access: 'viewer' } }, async (request, reply) => {
    const [sources, runs] = await Promise.all([sourceHealth(web.app.db), listRuns(web.app.db, 20)]);
    return sendPage(reply, request, {
      title: 'Källor och körningar',
      section: 'sources',
      body: sourcesPage({
        sources,
        runs,
        user: request.user as User,
        csrfToken: request.session?.csrfToken ?? '',
        sourceLabels: web.app.config.sourceLabels,
      }),
    });
  });

  app.post('/kallor/skanna', { config: { access: 'admin' } }, async (request, reply) => {
    const form = (request.body ?? {}) as Record<string, string | undefined>;
    const body = parseOrThrow(ScanBody, { clientRequestId: form.client_request_id });
    const result = await startScan(web, request, request.user as User, body);
    // Post/Redirect/Get, to the run's own page.
    return reply.redirect(`/korningar/${result.runId}?klart=${result.enqueued ? 'startad' : 'vantar'}`, 303);
  });

  app.get('/korningar/:id', { config: { access: 'viewer' } }, async (request, reply) => {
    const id = parseCandidateId((request.params as { id: string }).id);
    const summary = await runSummary(web.app.db, id);
    if (!summary) throw new ApiError('not_found', MESSAGES.notFound);
    const done = (request.query as { klart?: string }).klart;
    return sendPage(reply, request, {
      title: 'Körning',
      section: 'sources',
      body: runPage(
        summary,
        web.app.config.sourceLabels,
        done === 'startad' || done === 'vantar' ? done : undefined,
      ),
    });
  });
}
