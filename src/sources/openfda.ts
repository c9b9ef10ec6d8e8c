import { z } from 'zod';
import { HorisontError } from '../domain/errors.js';
import { describeIssues, readJsonBody } from './json-body.js';
import type { FetchedDocument } from './types.js';

/** openFDA's result page, the same for its device and drug endpoints. */
const Envelope = z.object({
  meta: z.object({
    last_updated: z.string().optional(),
    results: z.object({
      skip: z.number().int().min(0),
      limit: z.number().int().min(0),
      total: z.number().int().min(0),
    }),
  }),
  results: z.array(z.unknown()),
});
/** 240 requests a minute per IP (1,000 a day without an API key). */
export const OPENFDA_HOSTS = { 'api.fda.gov': { minIntervalMs: 250 } };

export type OpenFdaPage = z.infer<typeof Envelope>;

/** What openFDA sends instead of an envelope: a 404 with NOT_FOUND means "no matches". */
const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string().optional() }) });

/**
 * The page's envelope, or undefined when openFDA says there is nothing (a search without matches,
 * a skip past the end); any other error body is a parse failure, another shape schema drift.
 */
export function readOpenFdaPage(sourceId: string, doc: FetchedDocument): OpenFdaPage | undefined {
  const body = readJsonBody(sourceId, doc);
  const failure = ErrorBody.safeParse(body);
  if (failure.success) {
    if (failure.data.error.code === 'NOT_FOUND') return undefined;
    throw new HorisontError(
      'parse',
      `parse(${sourceId}): the API answered with error ${failure.data.error.code.slice(0, 40)}`,
    );
  }
  const envelope = Envelope.safeParse(body);
  if (!envelope.success) {
    throw new HorisontError(
      'schema-drift',
      `parse(${sourceId}): not an openFDA result page (${describeIssues(envelope.error)})`,
    );
  }
  return envelope.data;
}
