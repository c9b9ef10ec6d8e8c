import { COUNCIL_VALUES } from '../domain/routing.js';
import { RANKED_SECTIONS } from '../store/queries.js';
import { DECISION_ACTIONS, DISMISS_REASONS } from '../store/decisions.js';
import { SORTS, STATUS_FILTERS } from '../store/workbench.js';
import { ERROR_CODES } from './errors.js';
import { NPO_NAMES } from '../domain/programme-areas.js';
import { ADMIN_EVENT_KINDS, BANDS, CHANNELS, COUNCILS, EVENT_KINDS } from '../alerts/filter.js';
import {
  ASSESSMENT_BODIES,
  CASE_COUNCILS,
  CLOSE_REASONS,
  COLLABORATION_CRITERIA,
  NOT_INCLUDED_REASONS,
  RECOMMENDATION_KINDS,
  RECONSIDER_REASONS,
  REGIONS,
  SUBJECT_KINDS,
  SUBMITTER_ORIGINS,
} from '../domain/cases.js';
import { CASE_LIST_VIEWS } from '../store/cases.js';

type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json, description = 'OK'): Json => ({
  description,
  content: { 'application/json': { schema } },
});
const errors = (...statuses: number[]): Json =>
  Object.fromEntries(statuses.map((s) => [String(s), { $ref: `#/components/responses/Error${s}` }]));
const idParam: Json = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
const caseNumberParam: Json = {
  name: 'caseNumber',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^HOR-[0-9]{4}-[0-9]{4,}$' },
};
const usernameParameter: Json = { name: 'username', in: 'path', required: true, schema: { type: 'string' } };
const q = (name: string, schema: Json, description?: string): Json => ({
  name,
  in: 'query',
  required: false,
  schema,
  ...(description ? { description } : {}),
});

function op(summary: string, role: string, extra: Json): Json {
  return {
    summary,
    description: `Roll: ${role}.`,
    ...(role === 'public' ? { security: [] } : {}),
    'x-horisont-role': role,
    ...extra,
  };
}

const DecisionState: Json = {
  type: 'object',
  required: ['status', 'watched', 'version', 'reasonCode', 'lastDecisionId', 'updatedAt'],
  properties: {
    status: { type: 'string', enum: ['open', 'nominated', 'dismissed'] },
    watched: { type: 'boolean' },
    version: { type: 'integer', minimum: 0, description: 'Skicka denna version med nästa beslut.' },
    reasonCode: { type: ['string', 'null'] },
    lastDecisionId: { type: ['string', 'null'] },
    updatedAt: { type: ['string', 'null'], format: 'date-time' },
  },
};

/** The OpenAPI 3.1 description of the workbench API, served at /api/openapi.json. */
export function openApiDocument(): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Horisont – beredningens arbetsyta (API)',
      version: '1',
      description:
        'Rangordnade kandidater, beslut och granskningslogg. Alla fel har formen { error: { code, message, details? } }. ' +
        'Beslut är idempotenta per clientRequestId och kräver den beslutsversion klienten såg (annars 409 med aktuellt läge). ' +
        'Anrop med sessionskaka kräver X-CSRF-Token (från GET /api/me); anrop med API-nyckel (Bearer) gör det inte.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }, { session: [] }],
    paths: {
      '/api/openapi.json': {
        get: op('Detta dokument', 'public', { responses: { 200: json({ type: 'object' }) } }),
      },
      '/api/me': {
        get: op('Inloggad användare (och CSRF-token för sessioner)', 'viewer', {
          responses: { 200: json({ type: 'object' }), ...errors(401) },
        }),
      },
      '/api/filters': {
        get: op('Värden för filtermenyer: källor, råd, NPO, avförandeskäl', 'viewer', {
          responses: { 200: json({ type: 'object' }), ...errors(401) },
        }),
      },
      '/api/candidates': {
        get: op('Rangordnade kandidater med filter, sortering, sidindelning och antal', 'viewer', {
          parameters: [
            q(
              'q',
              { type: 'string' },
              'Fritext (svensk fulltextsökning över namn, tillverkare, källtitlar; exakt identifierare)',
            ),
            q(
              'scope',
              { type: 'string', enum: [...RANKED_SECTIONS, 'all'] },
              'Lista: new (nya och kommande), handled (hanteras redan av råden eller omprövas), other (etablerade, utanför uppdraget eller till TLV) eller all (standard)',
            ),
            q('npo', { type: 'string' }),
            q('council', { type: 'string', enum: [...COUNCIL_VALUES] }),
            q('band', { type: 'string', enum: ['hög', 'medel', 'låg'] }),
            q('status', { type: 'string', enum: [...STATUS_FILTERS] }),
            q('source', { type: 'string' }),
            q(
              'from',
              { type: 'string', format: 'date', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
              'Först sedd från, ÅÅÅÅ-MM-DD (kalenderdag i Europe/Stockholm)',
            ),
            q(
              'to',
              { type: 'string', format: 'date', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
              'Först sedd till och med, ÅÅÅÅ-MM-DD; inte före from',
            ),
            q(
              'sort',
              { type: 'string', enum: [...SORTS] },
              'score utan q; relevance (bästa träff först) med q',
            ),
            q('order', { type: 'string', enum: ['asc', 'desc'] }),
            q('page', { type: 'integer', minimum: 1, default: 1 }),
            q('pageSize', { type: 'integer', minimum: 1, maximum: 200, default: 25 }),
            q(
              'cursor',
              { type: 'string' },
              'nästa sida: föregående svars nextCursor (djupa sidor utan att räkna raderna före)',
            ),
          ],
          responses: { 200: json(ref('CandidateList')), ...errors(400, 401) },
        }),
      },
      '/api/candidates/{id}': {
        get: op(
          'En kandidat: identifierare, regulatorisk status, evidens, poäng per kriterium, dubbletter, beslut',
          'viewer',
          {
            parameters: [idParam],
            responses: { 200: json({ type: 'object' }), ...errors(401, 404) },
          },
        ),
      },
      '/api/candidates/{id}/decisions': {
        get: op('Beslutshistorik och aktuellt läge', 'viewer', {
          parameters: [idParam],
          responses: { 200: json({ type: 'object' }), ...errors(401, 404) },
        }),
        post: op('Fatta ett beslut: nominera, avföra, bevaka, sluta bevaka, återöppna', 'reviewer', {
          parameters: [idParam],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: ref('DecisionRequest') } },
          },
          responses: {
            201: {
              ...json(
                ref('DecisionResponse'),
                'Registrerat (eller samma svar igen för ett upprepat clientRequestId)',
              ),
              headers: { 'Idempotent-Replayed': { schema: { type: 'string', enum: ['true'] } } },
            },
            ...errors(400, 401, 403, 404, 409, 422),
          },
        }),
      },
      '/api/candidates/{id}/merge': {
        post: op(
          'Slå ihop: den andra kandidaten slås in i denna (samma kod som horisont merge). Automatisk matchning ändrar inte på det.',
          'reviewer',
          {
            parameters: [idParam],
            requestBody: {
              required: true,
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['otherId', 'reason', 'version', 'clientRequestId'],
                    properties: {
                      otherId: {
                        type: 'string',
                        format: 'uuid',
                        description: 'Kandidaten som slås in i denna',
                      },
                      reason: { type: 'string', maxLength: 2000 },
                      version: {
                        type: 'string',
                        description: 'Kandidatens updatedAt som klienten såg (annars 409)',
                      },
                      clientRequestId: {
                        type: 'string',
                        format: 'uuid',
                        description: 'Samma id två gånger registreras en gång',
                      },
                    },
                  },
                },
              },
            },
            responses: {
              201: {
                ...json(ref('CurationResponse')),
                headers: { 'Idempotent-Replayed': { schema: { type: 'string', enum: ['true'] } } },
              },
              ...errors(400, 401, 403, 404, 409, 422),
            },
          },
        ),
      },
      '/api/candidates/{id}/split': {
        post: op(
          'Dela upp: de valda evidensposterna flyttas till en ny kandidat (samma kod som horisont split); gäller även vid senare skanningar.',
          'reviewer',
          {
            parameters: [idParam],
            requestBody: {
              required: true,
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['itemIds', 'reason', 'version', 'clientRequestId'],
                    properties: {
                      itemIds: {
                        type: 'array',
                        minItems: 1,
                        items: { type: 'integer' },
                        description: 'timeline[].itemId',
                      },
                      reason: { type: 'string', maxLength: 2000 },
                      version: {
                        type: 'string',
                        description: 'Kandidatens updatedAt som klienten såg (annars 409)',
                      },
                      clientRequestId: { type: 'string', format: 'uuid' },
                    },
                  },
                },
              },
            },
            responses: {
              201: {
                ...json(ref('CurationResponse')),
                headers: { 'Idempotent-Replayed': { schema: { type: 'string', enum: ['true'] } } },
              },
              ...errors(400, 401, 403, 404, 409, 422),
            },
          },
        ),
      },
      '/api/candidates/{id}/notes': {
        get: op('Anteckningar', 'viewer', {
          parameters: [idParam],
          responses: { 200: json({ type: 'object' }), ...errors(401) },
        }),
        post: op('Lägg till en anteckning', 'reviewer', {
          parameters: [idParam],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['body', 'clientRequestId'],
                  properties: {
                    body: { type: 'string', maxLength: 10000 },
                    clientRequestId: { type: 'string', format: 'uuid' },
                  },
                },
              },
            },
          },
          responses: { 201: json({ type: 'object' }), ...errors(400, 401, 403, 404, 422) },
        }),
      },
      '/api/candidates/{id}/report': {
        get: op('Senaste tidiga bedömningsrapport (JSON, Markdown eller HTML)', 'viewer', {
          parameters: [
            idParam,
            q('format', { type: 'string', enum: ['json', 'markdown', 'html'], default: 'json' }),
          ],
          responses: {
            200: {
              description: 'Rapporten',
              content: {
                'application/json': { schema: { type: 'object' } },
                'text/markdown': { schema: { type: 'string' } },
                'text/html': { schema: { type: 'string' } },
              },
            },
            ...errors(401, 404),
          },
        }),
      },
      '/api/nominations': {
        get: op('Nomineringar (automatiska och manuella)', 'viewer', {
          responses: { 200: json({ type: 'object' }), ...errors(401) },
        }),
        post: op(
          'Nominering från en region, ett NPO eller en profession (också av en produkt som skanningen inte hittat); ett företags uppgift sparas som signal',
          'viewer',
          {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: ref('OutsideSubmission') } },
            },
            responses: {
              201: json(
                { type: 'object' },
                'Nomineringen och dess ärende (kind: nomination, caseNumber, candidateId)',
              ),
              202: json({ type: 'object' }, 'Ett företags uppgift, sparad som signal (kind: signal)'),
              ...errors(400, 401),
            },
          },
        ),
      },
      '/api/cases': {
        get: op('Ärenden', 'viewer', {
          parameters: [
            q('view', { type: 'string', enum: [...CASE_LIST_VIEWS] }, 'reconsider: att ompröva'),
            q('council', { type: 'string', enum: [...CASE_COUNCILS] }),
            q('q', { type: 'string' }),
            q('candidate', { type: 'string', format: 'uuid' }),
            q('limit', { type: 'integer', minimum: 1, maximum: 500 }),
            q('offset', { type: 'integer', minimum: 0 }),
          ],
          responses: { 200: json({ type: 'object' }), ...errors(400, 401) },
        }),
      },
      '/api/cases/{caseNumber}': {
        get: op('Ett ärende: uppgifter, nominerande parter, händelser och skäl att ompröva', 'viewer', {
          parameters: [caseNumberParam],
          responses: { 200: json({ type: 'object' }), ...errors(401, 404) },
        }),
      },
      '/api/cases/{caseNumber}/changes': {
        post: op('Ändra ett ärende (en händelse som inte kan ändras i efterhand)', 'reviewer', {
          parameters: [caseNumberParam],
          requestBody: { required: true, content: { 'application/json': { schema: ref('CaseChange') } } },
          responses: {
            201: json({ type: 'object' }, 'Ändringen (samma svar igen för samma clientRequestId)'),
            ...errors(400, 401, 403, 404, 409, 422),
          },
        }),
      },
      '/api/candidates/{id}/cases': {
        get: op(
          'Kandidatens läge i rådens process (för triage): not-handled, nominated, handled, reconsider',
          'viewer',
          {
            parameters: [idParam],
            responses: { 200: json({ type: 'object' }), ...errors(401, 404) },
          },
        ),
      },
      '/api/audit': {
        get: op('Granskningslogg: vem, vad, när, före och efter', 'reviewer', {
          parameters: [
            q('action', { type: 'string' }, 'Händelse eller prefix, t.ex. decision.'),
            q('actor', { type: 'string' }),
            q('subject', { type: 'string' }),
            q('from', { type: 'string', format: 'date' }, 'ÅÅÅÅ-MM-DD'),
            q('to', { type: 'string', format: 'date' }, 'ÅÅÅÅ-MM-DD; inte före from'),
            q('page', { type: 'integer', minimum: 1 }),
          ],
          responses: { 200: json({ type: 'object' }), ...errors(401, 403) },
        }),
      },
      '/api/audit/verify': {
        get: op('Kontrollera granskningsloggens hashkedja', 'admin', {
          responses: { 200: json({ type: 'object' }), ...errors(401, 403) },
        }),
      },
      '/api/sources': {
        get: op('Källornas hälsa och senaste utfall', 'viewer', {
          responses: { 200: json({ type: 'object' }), ...errors(401) },
        }),
      },
      '/api/runs': {
        get: op('Senaste körningar', 'viewer', {
          parameters: [q('limit', { type: 'integer', minimum: 1, maximum: 200 })],
          responses: { 200: json({ type: 'object' }), ...errors(401) },
        }),
        post: op(
          'Skanna nu: starta en körning av alla påslagna källor (eller de angivna). Körningen sparas i databasen innan svaret; är kön (Redis) nere startar den när kön är tillbaka (enqueued: false).',
          'admin',
          {
            requestBody: {
              required: true,
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['clientRequestId'],
                    properties: {
                      clientRequestId: {
                        type: 'string',
                        format: 'uuid',
                        description: 'Samma id två gånger är samma körning',
                      },
                      sources: {
                        type: 'array',
                        items: { type: 'string' },
                        description: 'Standard: alla påslagna',
                      },
                    },
                  },
                },
              },
            },
            responses: {
              202: {
                ...json({
                  type: 'object',
                  required: ['runId', 'enqueued'],
                  properties: {
                    runId: { type: 'string', format: 'uuid' },
                    enqueued: {
                      type: 'boolean',
                      description: 'false: kön svarade inte; körningen startar senare',
                    },
                  },
                }),
                headers: { 'Idempotent-Replayed': { schema: { type: 'string', enum: ['true'] } } },
              },
              ...errors(400, 401, 403),
            },
          },
        ),
      },
      '/api/runs/{id}': {
        get: op('En körning per källa', 'viewer', {
          parameters: [idParam],
          responses: { 200: json({ type: 'object' }), ...errors(401, 404) },
        }),
      },
      '/api/subscriptions': {
        get: op('Prenumerationer: egna (administratör: allas)', 'viewer', {
          responses: {
            200: json({
              type: 'object',
              properties: { subscriptions: { type: 'array', items: ref('Subscription') } },
            }),
            ...errors(401),
          },
        }),
        post: op(
          'Skapa en prenumeration (samma regler som horisont subscriptions add). Atom-flödets adress och webhookens signeringsnyckel visas bara i detta svar.',
          'viewer',
          {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: ref('SubscriptionRequest') } },
            },
            responses: {
              201: json({
                type: 'object',
                properties: {
                  subscription: ref('Subscription'),
                  feedUrl: { type: 'string', format: 'uri' },
                  webhookSecret: { type: 'string' },
                },
              }),
              ...errors(400, 401, 403),
            },
          },
        ),
      },
      '/api/subscriptions/{id}': {
        get: op('En prenumeration (egen, eller vilken som helst för administratör)', 'viewer', {
          parameters: [idParam],
          responses: {
            200: json({ type: 'object', properties: { subscription: ref('Subscription') } }),
            ...errors(401, 404),
          },
        }),
        patch: op('Ändra namn, e-postadress, filter eller paus (kanalen ändras inte)', 'viewer', {
          parameters: [idParam],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    name: { type: 'string', maxLength: 200 },
                    ownerEmail: { type: ['string', 'null'] },
                    filter: ref('SubscriptionFilter'),
                    paused: {
                      type: 'boolean',
                      description: 'En pausad prenumeration ger inga nya meddelanden',
                    },
                  },
                },
              },
            },
          },
          responses: {
            200: json({ type: 'object', properties: { subscription: ref('Subscription') } }),
            ...errors(400, 401, 403, 404),
          },
        }),
        delete: op('Ta bort en prenumeration med allt som väntar på att skickas', 'viewer', {
          parameters: [idParam],
          responses: { 204: { description: 'Borttagen' }, ...errors(401, 403, 404) },
        }),
      },
      '/api/users': {
        get: op('Användare', 'admin', { responses: { 200: json({ type: 'object' }), ...errors(401, 403) } }),
        post: op('Skapa en användare', 'admin', {
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['username', 'role'],
                  properties: {
                    username: { type: 'string' },
                    displayName: { type: 'string' },
                    role: { type: 'string', enum: ['viewer', 'reviewer', 'admin'] },
                    password: { type: 'string', minLength: 12 },
                  },
                },
              },
            },
          },
          responses: { 201: json({ type: 'object' }), ...errors(400, 401, 403, 409) },
        }),
      },
      '/api/users/{username}': {
        patch: op('Ändra roll eller stäng av / aktivera ett konto (granskningsloggas)', 'admin', {
          parameters: [usernameParameter],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  additionalProperties: false,
                  properties: {
                    role: { type: 'string', enum: ['viewer', 'reviewer', 'admin'] },
                    disabled: {
                      type: 'boolean',
                      description: 'true: kontots sessioner och API-nycklar slutar gälla direkt',
                    },
                  },
                },
              },
            },
          },
          responses: { 200: json({ type: 'object' }), ...errors(400, 401, 403, 404, 409) },
        }),
      },
      '/api/users/{username}/password': {
        post: op(
          'Nytt lösenord (genereras och visas en gång om inget anges); loggar ut kontot överallt',
          'admin',
          {
            parameters: [usernameParameter],
            requestBody: {
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    additionalProperties: false,
                    properties: { password: { type: 'string', minLength: 12 } },
                  },
                },
              },
            },
            responses: { 200: json({ type: 'object' }), ...errors(400, 401, 403, 404, 409) },
          },
        ),
      },
      '/api/users/{username}/tokens': {
        get: op('Kontots API-nycklar (aldrig hemligheten)', 'admin', {
          parameters: [usernameParameter],
          responses: { 200: json({ type: 'object' }), ...errors(401, 403, 404) },
        }),
        post: op('Skapa en API-nyckel (visas en gång)', 'admin', {
          parameters: [usernameParameter],
          responses: { 201: json({ type: 'object' }), ...errors(401, 403, 404) },
        }),
        delete: op('Återkalla kontots alla giltiga API-nycklar', 'admin', {
          parameters: [usernameParameter],
          responses: { 200: json({ type: 'object' }), ...errors(401, 403, 404) },
        }),
      },
      '/api/users/{username}/tokens/{tokenId}': {
        delete: op('Återkalla en API-nyckel; den slutar gälla direkt', 'admin', {
          parameters: [
            usernameParameter,
            { name: 'tokenId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
          ],
          responses: { 200: json({ type: 'object' }), ...errors(400, 401, 403, 404) },
        }),
      },
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'API-nyckel från `horisont tokens create`' },
        session: { type: 'apiKey', in: 'cookie', name: '__Host-horisont-session' },
      },
      schemas: {
        OutsideSubmission: {
          type: 'object',
          required: ['origin', 'kind', 'name', 'indication', 'clientRequestId'],
          description:
            'region kräver region; npo kräver party (ett av de 26 programområdena); profession och company kräver party. ' +
            'Nomineringar kräver reason, contactName och contactEmail; produkter (device, ivd) kräver maker.',
          properties: {
            origin: { type: 'string', enum: [...SUBMITTER_ORIGINS] },
            party: { type: 'string', maxLength: 200 },
            region: { type: 'string', enum: [...REGIONS] },
            kind: { type: 'string', enum: Object.keys(SUBJECT_KINDS) },
            name: { type: 'string', maxLength: 300 },
            maker: { type: 'string', maxLength: 300 },
            indication: { type: 'string', maxLength: 2000 },
            reason: { type: 'string', maxLength: 5000 },
            contactName: { type: 'string', maxLength: 200, description: 'Visas aldrig offentligt.' },
            contactEmail: {
              type: 'string',
              maxLength: 254,
              description: 'Får ett meddelande vid varje ändring i ärendet; visas aldrig offentligt.',
            },
            clientRequestId: { type: 'string', format: 'uuid' },
          },
        },
        CaseChange: {
          type: 'object',
          required: ['version', 'clientRequestId', 'change'],
          properties: {
            version: { type: 'integer', minimum: 1, description: 'Ärendets version som klienten såg.' },
            clientRequestId: { type: 'string', format: 'uuid' },
            comment: { type: 'string', maxLength: 10000, description: 'Intern; visas aldrig offentligt.' },
            change: {
              type: 'object',
              required: ['action'],
              description:
                'take-up {council, indication?}; decide {outcome: omfattas|omfattas-inte, decidedOn, criteria[], reasons[]}; ' +
                'order-assessment {body, bodyName?, orderedOn, expectedOn?, deliveredOn?}; recommend {kind, text, decidedOn, reviewOn?}; ' +
                'set-follow-up {followUpOn}; reconsider {reason}; close {reason}; acknowledge-review {reviewOn?}; ' +
                'set-procurement {relevant, note?}; add-consequence-analysis {region, url, title?}. Datum som ÅÅÅÅ-MM-DD.',
              properties: {
                action: {
                  type: 'string',
                  enum: [
                    'take-up',
                    'decide',
                    'order-assessment',
                    'recommend',
                    'set-follow-up',
                    'reconsider',
                    'close',
                    'acknowledge-review',
                    'set-procurement',
                    'add-consequence-analysis',
                  ],
                },
                council: { type: 'string', enum: [...CASE_COUNCILS] },
                criteria: {
                  type: 'array',
                  items: { type: 'string', enum: Object.keys(COLLABORATION_CRITERIA) },
                },
                reasons: {
                  type: 'array',
                  items: { type: 'string', enum: Object.keys(NOT_INCLUDED_REASONS) },
                },
                body: { type: 'string', enum: Object.keys(ASSESSMENT_BODIES) },
                kind: { type: 'string', enum: Object.keys(RECOMMENDATION_KINDS) },
                reason: {
                  type: 'string',
                  description: `reconsider: ${Object.keys(RECONSIDER_REASONS).join(', ')}; close: ${Object.keys(CLOSE_REASONS).join(', ')}`,
                },
                region: { type: 'string', enum: [...REGIONS] },
              },
            },
          },
        },
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: { type: 'string', enum: Object.keys(ERROR_CODES) },
                message: { type: 'string' },
                details: {},
              },
            },
          },
        },
        DecisionState,
        DecisionRequest: {
          type: 'object',
          required: ['action', 'version', 'clientRequestId'],
          properties: {
            action: { type: 'string', enum: [...DECISION_ACTIONS] },
            version: { type: 'integer', minimum: 0, description: 'Beslutsversionen klienten såg' },
            clientRequestId: {
              type: 'string',
              format: 'uuid',
              description: 'Samma id två gånger registreras en gång',
            },
            reasonCode: {
              type: 'string',
              enum: Object.keys(DISMISS_REASONS),
              description: 'Krävs för dismiss',
            },
            comment: { type: 'string', maxLength: 10000 },
            origin: { type: 'string', enum: ['scan', 'region', 'npo'], description: 'För nominate' },
            onBehalfOf: {
              type: 'string',
              maxLength: 200,
              description: 'Region eller NPO; krävs när origin är region/npo',
            },
          },
        },
        DecisionResponse: {
          type: 'object',
          properties: { decision: { type: 'object' }, state: ref('DecisionState') },
        },
        SubscriptionFilter: {
          type: 'object',
          additionalProperties: false,
          description: 'Alla angivna villkor måste gälla; inom ett villkor räcker ett av värdena.',
          properties: {
            npo: { type: 'array', items: { type: 'string', enum: [...NPO_NAMES] } },
            keywords: { type: 'array', items: { type: 'string', maxLength: 100 }, maxItems: 50 },
            emdn: { type: 'array', items: { type: 'string', pattern: '^[A-Z]\\d{0,12}$' } },
            council: { type: 'array', items: { type: 'string', enum: [...COUNCILS] } },
            minBand: { type: 'string', enum: [...BANDS] },
            sources: { type: 'array', items: { type: 'string' } },
            events: {
              type: 'array',
              minItems: 1,
              items: { type: 'string', enum: [...EVENT_KINDS] },
              description: `Driftshändelser (${ADMIN_EVENT_KINDS.join(', ')}) bara för administratörer`,
            },
          },
        },
        SubscriptionRequest: {
          type: 'object',
          required: ['name', 'channel'],
          properties: {
            name: { type: 'string', maxLength: 200 },
            channel: { type: 'string', enum: [...CHANNELS] },
            ownerEmail: { type: 'string', format: 'email', description: 'Krävs för e-postkanalerna' },
            webhookUrl: { type: 'string', format: 'uri', description: 'https; krävs för webhook' },
            filter: ref('SubscriptionFilter'),
          },
        },
        Subscription: {
          type: 'object',
          properties: {
            id: { type: 'string', format: 'uuid' },
            name: { type: 'string' },
            ownerName: { type: 'string' },
            ownerEmail: { type: ['string', 'null'] },
            ownerUserId: { type: ['string', 'null'], description: 'null: skapad med kommandoraden' },
            channel: { type: 'string', enum: [...CHANNELS] },
            webhookUrl: { type: ['string', 'null'] },
            filter: ref('SubscriptionFilter'),
            description: { type: 'string', description: 'Filtret på svenska' },
            paused: { type: 'boolean' },
            pausedAt: { type: ['string', 'null'], format: 'date-time' },
            createdAt: { type: 'string', format: 'date-time' },
            updatedAt: { type: 'string', format: 'date-time' },
          },
        },
        CurationResponse: {
          type: 'object',
          properties: {
            action: { type: 'string', enum: ['merge', 'split'] },
            candidateId: { type: 'string', format: 'uuid' },
            otherCandidateId: {
              type: 'string',
              format: 'uuid',
              description: 'merge: den som slogs in; split: den nya kandidaten',
            },
            version: { type: ['string', 'null'], description: 'Kandidatens nya version' },
          },
        },
        CandidateList: {
          type: 'object',
          properties: {
            items: { type: 'array', items: { type: 'object' } },
            total: { type: 'integer', description: 'exakt upp till 2 000, annars en uppskattning' },
            totalApproximate: { type: 'boolean' },
            page: { type: 'integer' },
            pageSize: { type: 'integer' },
            pages: { type: 'integer' },
            pageApproximate: { type: 'boolean', description: 'sidan placerad efter poängfördelningen' },
            nextCursor: { type: ['string', 'null'], description: 'cursor för nästa sida; null på sista' },
            counts: { type: 'object', description: 'atLeast: varje antal räknat högst till 1 000' },
          },
        },
      },
      responses: Object.fromEntries(
        [400, 401, 403, 404, 409, 422].map((status) => [
          `Error${status}`,
          { description: `Fel ${status}`, content: { 'application/json': { schema: ref('Error') } } },
        ]),
      ),
    },
  };
}
