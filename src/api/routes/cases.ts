import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { WebContext } from '../context.js';
import { ApiError } from '../errors.js';
import { html } from '../../text/html.js';
import type { HtmlValue } from '../../text/html.js';
import { sendPage } from '../page.js';
import { IdParams, emptyToUndefined, parseCandidateId, parseOrThrow, validationError } from '../service.js';
import { AnyObject } from '../openapi.js';
import {
  CaseChangeBody,
  PublicCaseQuery,
  applyCaseChange,
  caseChangeBodyFromForm,
  parseCaseNumber,
  parseSubmission,
  publicCase,
  publicCaseList,
  publicOriginOf,
  submissionFromForm,
  submit,
} from '../cases.js';
import { caseListPage, casePage, nominationFormPage } from '../views/cases.js';
import type { NominationFormValues } from '../views/cases.js';
import { publicCaseListPage, publicCasePage } from '../views/public-cases.js';
import { publicLayout } from '../views/layout.js';
import { publicCaseFeed } from '../public-feed.js';
import { CASE_ACTION_LABELS, CASE_COUNCILS, CASE_NUMBER, OutsideSubmission } from '../../domain/cases.js';
import { stockholmDay } from '../../domain/dates.js';
import type { CaseAction } from '../../domain/cases.js';
import {
  CASE_LIST_VIEWS,
  caseByNumber,
  caseEvents,
  caseParties,
  caseStatesOfCandidates,
  casesToReconsider,
  listCases,
  partyByClientRequestId,
  publicCaseEvents,
  reconsiderTriggersOf,
} from '../../store/cases.js';
import type { CaseRecord } from '../../store/cases.js';
import { candidateName } from '../../store/candidates.js';
import { candidateOfSubmission } from '../../store/items.js';
import { COMPANY_SIGNAL_SOURCE, NOMINATION_SOURCE } from '../../app/outside-nominations.js';
import type { User } from '../../store/users.js';

const JSON_TYPE = 'application/json; charset=utf-8';
const PAGE_SIZE = 100;

const CaseListQuery = z.object({
  vy: z.preprocess(emptyToUndefined, z.enum(CASE_LIST_VIEWS).optional()),
  rad: z.preprocess(emptyToUndefined, z.enum(CASE_COUNCILS).optional()),
  q: z.preprocess(emptyToUndefined, z.string().trim().max(200).optional()),
  kandidat: z.preprocess(emptyToUndefined, z.uuid().optional()),
});

const ApiCaseQuery = z.object({
  view: z.enum(CASE_LIST_VIEWS).default('all'),
  council: z.preprocess(emptyToUndefined, z.enum(CASE_COUNCILS).optional()),
  q: z.preprocess(emptyToUndefined, z.string().trim().max(200).optional()),
  candidate: z.preprocess(emptyToUndefined, z.uuid().optional()),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

const CaseParams = z.object({
  caseNumber: z.string().regex(CASE_NUMBER).meta({ description: 'Ärendenummer, HOR-ÅÅÅÅ-NNNN' }),
});

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

/** A case with what its page shows: parties, events and reasons to reconsider. */
async function caseDetail(web: WebContext, record: CaseRecord) {
  const today = stockholmDay(web.now());
  const [parties, events, reconsider, name] = await Promise.all([
    caseParties(web.app.db, record.id),
    caseEvents(web.app.db, record.id),
    reconsiderTriggersOf(web.app.db, [record], today),
    record.candidateId ? candidateName(web.app.db, record.candidateId) : undefined,
  ]);
  const triggers = reconsider.get(record.id) ?? [];
  return { parties, events, triggers, candidateName: name ?? null, today };
}

export function registerCaseRoutes(app: FastifyInstance, web: WebContext): void {
  const db = web.app.db;

  const renderCase = async (
    request: FastifyRequest,
    reply: FastifyReply,
    caseNumber: string,
    notice?: { kind: 'ok' | 'error'; text: HtmlValue },
    status = 200,
  ): Promise<FastifyReply> => {
    const record = await caseByNumber(db, caseNumber);
    if (!record) throw new ApiError('not_found', 'Ärendet finns inte.');
    const detail = await caseDetail(web, record);
    return sendPage(
      reply,
      request,
      {
        title: `Ärende ${record.caseNumber}`,
        section: 'cases',
        body: casePage({
          record,
          ...detail,
          user: request.user as User,
          csrfToken: request.session?.csrfToken ?? '',
          notice,
        }),
      },
      status,
    );
  };

  // --- the workbench --------------------------------------------------------------------------

  app.get('/arendehantering', { config: { access: 'viewer' } }, async (request, reply) => {
    const query = parseOrThrow(CaseListQuery, request.query ?? {});
    const view = query.vy ?? 'open';
    let entries;
    let total;
    if (view === 'reconsider') {
      entries = await casesToReconsider(db, stockholmDay(web.now()));
      total = entries.length;
    } else {
      const list = await listCases(db, {
        view,
        council: query.rad,
        q: query.q,
        candidateId: query.kandidat,
        limit: PAGE_SIZE,
        offset: 0,
      });
      entries = list.items.map((record) => ({ record }));
      total = list.total;
    }
    return sendPage(reply, request, {
      title: 'Ärenden',
      section: 'cases',
      body: caseListPage({
        view,
        items: entries,
        total,
        council: query.rad,
        q: query.q,
        canNominate: true,
      }),
    });
  });

  app.get('/arendehantering/:nr', { config: { access: 'viewer' } }, async (request, reply) => {
    const caseNumber = parseCaseNumber((request.params as { nr: string }).nr);
    const done = (request.query as { klart?: string }).klart;
    const label =
      done && Object.hasOwn(CASE_ACTION_LABELS, done) ? CASE_ACTION_LABELS[done as CaseAction] : undefined;
    const notice =
      done === 'nominerad'
        ? {
            kind: 'ok' as const,
            text: 'Nomineringen är registrerad. Kontaktpersonen får besked vid varje ändring.',
          }
        : label
          ? { kind: 'ok' as const, text: `Sparat: ${label}.` }
          : undefined;
    return renderCase(request, reply, caseNumber, notice);
  });

  app.post('/arendehantering/:nr/andring', { config: { access: 'reviewer' } }, async (request, reply) => {
    const caseNumber = parseCaseNumber((request.params as { nr: string }).nr);
    const parsed = CaseChangeBody.safeParse(
      caseChangeBodyFromForm((request.body ?? {}) as Record<string, string | string[]>),
    );
    if (!parsed.success) {
      return renderCase(
        request,
        reply,
        caseNumber,
        { kind: 'error', text: errorList(validationError(parsed.error)) },
        400,
      );
    }
    try {
      const result = await applyCaseChange(web, request, request.user as User, caseNumber, parsed.data);
      // Post/Redirect/Get: a reload does not post again.
      return reply.redirect(`/arendehantering/${caseNumber}?klart=${result.event.action}#historik`, 303);
    } catch (error) {
      if (
        error instanceof ApiError &&
        ['version_conflict', 'invalid_transition', 'request_id_reused'].includes(error.code)
      ) {
        return renderCase(request, reply, caseNumber, { kind: 'error', text: error.message }, error.status);
      }
      throw error;
    }
  });

  const nominationForm = (
    request: FastifyRequest,
    reply: FastifyReply,
    values: NominationFormValues,
    errors: Array<{ path: string; message: string }>,
    status = 200,
  ) =>
    sendPage(
      reply,
      request,
      {
        title: 'Registrera en nominering',
        section: 'cases',
        body: nominationFormPage({ values, errors, csrfToken: request.session?.csrfToken ?? '' }),
      },
      status,
    );

  app.get('/nominera', { config: { access: 'viewer' } }, async (request, reply) =>
    nominationForm(request, reply, {}, []),
  );

  app.post('/nominera', { config: { access: 'viewer' } }, async (request, reply) => {
    const raw = submissionFromForm((request.body ?? {}) as Record<string, string | string[]>);
    const values: NominationFormValues = Object.fromEntries(
      Object.entries(raw).map(([k, v]) => [k, typeof v === 'string' ? v : undefined]),
    );
    const parsed = OutsideSubmission.safeParse(raw);
    if (!parsed.success) {
      const error = validationError(parsed.error);
      return nominationForm(
        request,
        reply,
        values,
        error.details as Array<{ path: string; message: string }>,
        400,
      );
    }
    try {
      const result = await submit(web, request, request.user as User, parsed.data);
      if (result.kind === 'signal') {
        return reply.redirect(
          result.candidateId ? `/kandidater/${result.candidateId}?klart=signal` : '/kandidater',
          303,
        );
      }
      return reply.redirect(`/arendehantering/${result.caseNumber}?klart=nominerad`, 303);
    } catch (error) {
      if (error instanceof ApiError && error.code === 'validation_failed') {
        return nominationForm(
          request,
          reply,
          values,
          error.details as Array<{ path: string; message: string }>,
          400,
        );
      }
      throw error;
    }
  });

  // The address an outside nomination's evidence item links to: its case, or for a company's
  // signal the candidate it was linked to.
  app.get('/nomineringar/:id', { config: { access: 'viewer' } }, async (request, reply) => {
    const id = z.uuid().safeParse((request.params as { id: string }).id);
    if (!id.success) throw new ApiError('not_found', 'Nomineringen finns inte.');
    const party = await partyByClientRequestId(db, id.data);
    if (party) return reply.redirect(`/arendehantering/${party.caseNumber}`, 303);
    const candidateId = await candidateOfSubmission(db, [NOMINATION_SOURCE, COMPANY_SIGNAL_SOURCE], id.data);
    if (candidateId) return reply.redirect(`/kandidater/${candidateId}`, 303);
    throw new ApiError('not_found', 'Nomineringen finns inte.');
  });

  // --- the JSON API ---------------------------------------------------------------------------

  app.get(
    '/api/cases',
    {
      config: {
        access: 'viewer',
        openapi: {
          summary: 'Ärenden',
          query: ApiCaseQuery,
          responses: { 200: { description: 'OK', json: AnyObject } },
          errors: [400, 401],
        },
      },
    },
    async (request) => {
      const query = parseOrThrow(ApiCaseQuery, request.query ?? {});
      if (query.view === 'reconsider') {
        const entries = await casesToReconsider(db, stockholmDay(web.now()));
        return { total: entries.length, cases: entries.map((e) => ({ ...e.record, triggers: e.triggers })) };
      }
      const list = await listCases(db, {
        view: query.view,
        council: query.council,
        q: query.q,
        candidateId: query.candidate,
        limit: query.limit,
        offset: query.offset,
      });
      return { total: list.total, cases: list.items };
    },
  );

  app.get(
    '/api/cases/:caseNumber',
    {
      config: {
        access: 'viewer',
        openapi: {
          summary: 'Ett ärende: uppgifter, nominerande parter, händelser och skäl att ompröva',
          params: CaseParams,
          responses: { 200: { description: 'OK', json: AnyObject } },
          errors: [401, 404],
        },
      },
    },
    async (request) => {
      const record = await caseByNumber(
        db,
        parseCaseNumber((request.params as { caseNumber: string }).caseNumber),
      );
      if (!record) throw new ApiError('not_found', 'Ärendet finns inte.');
      const detail = await caseDetail(web, record);
      return {
        case: record,
        parties: detail.parties,
        events: detail.events,
        reconsiderTriggers: detail.triggers,
      };
    },
  );

  app.post(
    '/api/cases/:caseNumber/changes',
    {
      config: {
        access: 'reviewer',
        openapi: {
          summary: 'Ändra ett ärende (en händelse som inte kan ändras i efterhand)',
          params: CaseParams,
          body: CaseChangeBody,
          responses: {
            201: {
              description: 'Ändringen (samma svar igen för samma clientRequestId)',
              json: AnyObject,
              replayable: true,
            },
          },
          errors: [400, 401, 403, 404, 409, 422],
        },
      },
    },
    async (request, reply) => {
      const caseNumber = parseCaseNumber((request.params as { caseNumber: string }).caseNumber);
      const body = parseOrThrow(CaseChangeBody, request.body ?? {});
      const result = await applyCaseChange(web, request, request.user as User, caseNumber, body);
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(201).type(JSON_TYPE).send({ case: result.record, event: result.event });
    },
  );

  app.post(
    '/api/nominations',
    {
      config: {
        access: 'viewer',
        openapi: {
          summary:
            'Nominering från en region, ett NPO eller en profession (också av en produkt som skanningen inte hittat); ett företags uppgift sparas som signal',
          body: OutsideSubmission,
          responses: {
            201: {
              description: 'Nomineringen och dess ärende (kind: nomination, caseNumber, candidateId)',
              json: AnyObject,
              replayable: true,
            },
            202: {
              description: 'Ett företags uppgift, sparad som signal (kind: signal)',
              json: AnyObject,
              replayable: true,
            },
          },
          errors: [400, 401],
        },
      },
    },
    async (request, reply) => {
      const body = parseSubmission(request.body ?? {});
      const result = await submit(web, request, request.user as User, body);
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      // A company's signal is accepted as evidence, not as a nomination.
      return reply
        .code(result.kind === 'signal' ? 202 : 201)
        .type(JSON_TYPE)
        .send(result);
    },
  );

  app.get(
    '/api/candidates/:id/cases',
    {
      config: {
        access: 'viewer',
        openapi: {
          summary:
            'Kandidatens läge i rådens process (för triage): not-handled, nominated, handled, reconsider',
          params: IdParams,
          responses: { 200: { description: 'OK', json: AnyObject } },
          errors: [401, 404],
        },
      },
    },
    async (request) => {
      const id = parseCandidateId((request.params as { id: string }).id);
      const states = await caseStatesOfCandidates(db, [id], stockholmDay(web.now()));
      return states.get(id);
    },
  );

  // --- public: no login -------------------------------------------------------------------------

  const sendPublic = (
    request: FastifyRequest,
    reply: FastifyReply,
    title: string,
    body: HtmlValue,
    status = 200,
  ) =>
    reply
      .code(status)
      .header('cache-control', 'public, max-age=60')
      .type('text/html; charset=utf-8')
      .send(publicLayout({ title, nonce: request.nonce, body, feeds: true }));

  app.get('/arenden', { config: { access: 'public' } }, async (request, reply) => {
    const query = parseOrThrow(PublicCaseQuery, request.query ?? {});
    const list = await publicCaseList(web, query);
    return sendPublic(request, reply, 'Ärenden', publicCaseListPage({ ...list, query }));
  });

  app.get('/arenden.json', { config: { access: 'public' } }, async (request, reply) => {
    const query = parseOrThrow(PublicCaseQuery, request.query ?? {});
    const list = await publicCaseList(web, query);
    return reply
      .header('cache-control', 'public, max-age=60')
      .header('access-control-allow-origin', '*')
      .type(JSON_TYPE)
      .send({
        generatedAt: web.now().toISOString(),
        total: list.total,
        page: list.page,
        pageSize: list.pageSize,
        cases: list.items.map((c) => ({ ...c, url: `${publicOriginOf(web)}/arenden/${c.caseNumber}` })),
      });
  });

  app.get('/arenden.atom', { config: { access: 'public' } }, async (_request, reply) => {
    const events = await publicCaseEvents(db, { limit: 100 });
    return reply
      .header('cache-control', 'public, max-age=60')
      .type('application/atom+xml; charset=utf-8')
      .send(publicCaseFeed({ events, origin: new URL(publicOriginOf(web)).origin, now: web.now() }));
  });

  app.get('/arenden/:nr', { config: { access: 'public' } }, async (request, reply) => {
    const nr = (request.params as { nr: string }).nr;
    const found = /^HOR-\d{4}-\d{4,}$/i.test(nr) ? await publicCase(web, nr.toUpperCase()) : undefined;
    if (!found) {
      return sendPublic(
        request,
        reply,
        'Ärendet finns inte',
        html`<h1>Ärendet finns inte</h1>
          <p>Det finns inget offentligt ärende med det numret. <a href="/arenden">Alla ärenden</a></p>`,
        404,
      );
    }
    return sendPublic(request, reply, `${found.title} – ärende ${found.caseNumber}`, publicCasePage(found));
  });
}
