import { z } from 'zod';
import { CHANNELS, SubscriptionFilter } from '../domain/alert-filter.js';
import { OutsideSubmission } from '../domain/cases.js';
import { CaseChangeBody } from './cases.js';
import type { Access } from './context.js';
import { ERROR_CODES } from './errors.js';
import { DecisionBody } from './service.js';
import { NewSubscriptionBody } from './subscriptions.js';

type Json = Record<string, unknown>;

/** The error statuses a route may answer with; each is one shared response in the document. */
export const ERROR_STATUSES = [400, 401, 403, 404, 409, 422] as const;
export type ErrorStatus = (typeof ERROR_STATUSES)[number];

export interface ApiResponseDoc {
  description: string;
  /** The JSON body; absent for an answer without one. */
  json?: z.ZodType;
  /** Bodies of other media types (`text/markdown`, `text/html`). */
  content?: Readonly<Record<string, z.ZodType>>;
  /** The same answer again for a repeated clientRequestId, with `Idempotent-Replayed: true`. */
  replayable?: boolean;
}

/**
 * What a route under /api says about itself, declared where it is registered: the schemas it
 * validates its parameters, query and body with, and what it answers. The OpenAPI document is
 * made of these; a route under /api without one is refused at start (see `documentedRoute`).
 */
export interface ApiRouteDoc {
  summary: string;
  /** Path parameters; one that is not described here is documented as a string. */
  params?: z.ZodObject;
  query?: z.ZodType;
  body?: z.ZodType;
  /** The body may be left out (a password reset that generates the password). */
  bodyOptional?: boolean;
  responses: Readonly<Record<number, ApiResponseDoc>>;
  errors: readonly ErrorStatus[];
}

declare module 'fastify' {
  interface FastifyContextConfig {
    openapi?: ApiRouteDoc;
  }
  interface FastifyInstance {
    /** The API routes registered so far, for the OpenAPI document. */
    apiRoutes: readonly DocumentedRoute[];
  }
}

/** A registered route of the API, as Fastify's onRoute hook saw it. */
export interface DocumentedRoute {
  method: string;
  url: string;
  access: Access;
  doc: ApiRouteDoc;
}

export function isApiPath(url: string): boolean {
  return url === '/api' || url.startsWith('/api/');
}

/**
 * The route as the document needs it, or undefined outside /api. Throws for an API route that
 * does not describe itself: an undocumented route cannot start.
 */
export function documentedRoute(route: {
  method: string | readonly string[];
  url: string;
  config?: { access?: Access; openapi?: ApiRouteDoc };
}): DocumentedRoute[] {
  if (!isApiPath(route.url)) return [];
  const { access, openapi } = route.config ?? {};
  if (access === undefined || openapi === undefined) {
    throw new Error(
      `web: API route ${String(route.method)} ${route.url} is not described for the OpenAPI document`,
    );
  }
  const methods = typeof route.method === 'string' ? [route.method] : route.method;
  // Fastify adds HEAD beside every GET; the document names the GET.
  return methods
    .filter((method) => method !== 'HEAD')
    .map((method) => ({ method, url: route.url, access, doc: openapi }));
}

// ---------------------------------------------------------------------------------------------
// Answers: what the handlers send (the requests are described by the schemas they validate with)

const Uuid = z.uuid();
const Timestamp = z.iso.datetime({ offset: true });

export const ErrorBody = z.object({
  error: z.object({
    code: z.enum(Object.keys(ERROR_CODES) as [keyof typeof ERROR_CODES]),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});

export const AnyObject = z.looseObject({});

export const DecisionState = z.object({
  status: z.enum(['open', 'nominated', 'dismissed']),
  watched: z.boolean(),
  version: z.number().int().min(0).meta({ description: 'Skicka denna version med nästa beslut.' }),
  reasonCode: z.string().nullable(),
  lastDecisionId: z.string().nullable(),
  updatedAt: Timestamp.nullable(),
});

export const DecisionResponse = z.object({ decision: AnyObject, state: DecisionState });

export const CurationResponse = z.object({
  action: z.enum(['merge', 'split']),
  candidateId: Uuid,
  otherCandidateId: Uuid.meta({ description: 'merge: den som slogs in; split: den nya kandidaten' }),
  version: z.string().nullable().meta({ description: 'Kandidatens nya version' }),
});

export const CandidateList = z.object({
  items: z.array(AnyObject),
  total: z.number().int().meta({ description: 'exakt upp till 2 000, annars en uppskattning' }),
  totalApproximate: z.boolean(),
  page: z.number().int(),
  pageSize: z.number().int(),
  pages: z.number().int(),
  pageApproximate: z.boolean().meta({ description: 'sidan placerad efter poängfördelningen' }),
  nextCursor: z.string().nullable().meta({ description: 'cursor för nästa sida; null på sista' }),
  counts: AnyObject.meta({
    description: 'atLeast: antalen är nedre gränser (minst); ett antal under exactBelow är exakt',
  }),
});

export const RunStarted = z.object({
  runId: Uuid,
  enqueued: z.boolean().meta({ description: 'false: kön svarade inte; körningen startar senare' }),
});

export const Subscription = z.object({
  id: Uuid,
  name: z.string(),
  ownerName: z.string(),
  ownerEmail: z.string().nullable(),
  ownerUserId: z.string().nullable().meta({ description: 'null: skapad med kommandoraden' }),
  channel: z.enum(CHANNELS),
  webhookUrl: z.string().nullable(),
  filter: SubscriptionFilter,
  description: z.string().meta({ description: 'Filtret på svenska' }),
  paused: z.boolean(),
  pausedAt: Timestamp.nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

/** Schemas the document names (components.schemas) and refers to wherever a route uses them. */
const NAMED: Readonly<Record<string, z.ZodType>> = {
  Error: ErrorBody,
  DecisionRequest: DecisionBody,
  DecisionState,
  DecisionResponse,
  CurationResponse,
  CandidateList,
  OutsideSubmission,
  CaseChange: CaseChangeBody,
  SubscriptionFilter,
  SubscriptionRequest: NewSubscriptionBody,
  Subscription,
};

const CONVERT = { io: 'input', unrepresentable: 'any' } as const;

function jsonSchema(schema: z.ZodType, names: ReadonlyMap<z.ZodType, string>): Json {
  const name = names.get(schema);
  if (name !== undefined) return { $ref: `#/components/schemas/${name}` };
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, CONVERT) as Json;
  return rest;
}

function parametersOf(route: DocumentedRoute, names: ReadonlyMap<z.ZodType, string>): Json[] {
  const path = route.doc.params === undefined ? undefined : jsonSchema(route.doc.params, new Map());
  const pathProperties = (path?.properties ?? {}) as Record<string, Json>;
  const params = [...route.url.matchAll(/:(\w+)/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    schema: pathProperties[name!] ?? { type: 'string' },
  }));
  if (route.doc.query === undefined) return params;
  const query = jsonSchema(route.doc.query, names);
  const required = new Set((query.required ?? []) as string[]);
  const queryParams = Object.entries((query.properties ?? {}) as Record<string, Json>).map(
    ([name, schema]) => {
      const { description, ...rest } = schema;
      return {
        name,
        in: 'query',
        required: required.has(name),
        schema: rest,
        ...(typeof description === 'string' ? { description } : {}),
      };
    },
  );
  return [...params, ...queryParams];
}

function responsesOf(route: DocumentedRoute, names: ReadonlyMap<z.ZodType, string>): Json {
  const success = Object.entries(route.doc.responses).map(([status, response]) => {
    const content: Record<string, Json> = {};
    if (response.json !== undefined) {
      content['application/json'] = { schema: jsonSchema(response.json, names) };
    }
    for (const [type, schema] of Object.entries(response.content ?? {})) {
      content[type] = { schema: jsonSchema(schema, names) };
    }
    return [
      status,
      {
        description: response.description,
        ...(Object.keys(content).length > 0 ? { content } : {}),
        ...(response.replayable
          ? { headers: { 'Idempotent-Replayed': { schema: { type: 'string', enum: ['true'] } } } }
          : {}),
      },
    ] as const;
  });
  const errors = route.doc.errors.map(
    (status) => [String(status), { $ref: `#/components/responses/Error${status}` }] as const,
  );
  return Object.fromEntries<Json>([...success, ...errors]);
}

function operationOf(route: DocumentedRoute, names: ReadonlyMap<z.ZodType, string>): Json {
  const { doc } = route;
  const parameters = parametersOf(route, names);
  return {
    summary: doc.summary,
    description: `Roll: ${route.access}.`,
    ...(route.access === 'public' ? { security: [] } : {}),
    'x-horisont-role': route.access,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(doc.body === undefined
      ? {}
      : {
          requestBody: {
            required: doc.bodyOptional !== true,
            content: { 'application/json': { schema: jsonSchema(doc.body, names) } },
          },
        }),
    responses: responsesOf(route, names),
  };
}

/**
 * The OpenAPI 3.1 description of the workbench API, served at /api/openapi.json: one operation per
 * registered API route, its parameters and body converted from the zod schemas it validates with.
 */
export function openApiDocument(routes: readonly DocumentedRoute[]): Json {
  const names = new Map(Object.entries(NAMED).map(([name, schema]) => [schema, name]));
  const paths: Record<string, Json> = {};
  for (const route of [...routes].sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0))) {
    const path = route.url.replace(/:(\w+)/g, '{$1}');
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operationOf(route, names) };
  }
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
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'API-nyckel från `horisont tokens create`' },
        session: { type: 'apiKey', in: 'cookie', name: '__Host-horisont-session' },
      },
      schemas: Object.fromEntries(
        Object.entries(NAMED).map(([name, schema]) => [name, jsonSchema(schema, new Map())]),
      ),
      responses: Object.fromEntries(
        ERROR_STATUSES.map((status) => [
          `Error${status}`,
          {
            description: `Fel ${status}`,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          },
        ]),
      ),
    },
  };
}
