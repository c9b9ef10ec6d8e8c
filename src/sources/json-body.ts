import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { HorisontError } from '../domain/errors.js';
import { decodeBody } from './charset.js';
import { looksBlocked } from './html.js';
import type { FetchedDocument } from './types.js';

/**
 * Helpers shared by the adapters that read JSON APIs (ClinicalTrials.gov, openFDA, EMA, EUDAMED).
 * Not an adapter itself.
 */

/**
 * The body as JSON. A gateway that blocks a client (the Commission's for EUDAMED, a CDN for
 * openFDA) answers an API call with an HTML page, often with status 200; that is a block, not
 * malformed JSON.
 */
export function readJsonBody(adapterId: string, doc: FetchedDocument): unknown {
  const text = decodeBody(doc).trim();
  if (text === '') throw new HorisontError('empty-body', `parse(${adapterId}): empty document`);
  if (text.startsWith('<')) {
    if (looksBlocked(text.slice(0, 5000))) {
      throw new HorisontError('blocked', `parse(${adapterId}): the API answered with a block page`);
    }
    throw new HorisontError('parse', `parse(${adapterId}): expected JSON, got markup`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new HorisontError('parse', `parse(${adapterId}): malformed JSON`, { cause: error });
  }
}

/** The first few zod issues as `path: message`, short enough for an error message. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ')
    .slice(0, 300);
}

/** A short, stable digest for request keys: same input, same key, on every machine. */
export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 10);
}

/** Lower-case kebab slug of free text, for readable request keys (never `:`). */
export function slug(text: string, max = 80): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, max)
    .replace(/-+$/g, '');
}
