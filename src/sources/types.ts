import type { z } from 'zod';
import type { RawItem } from '../domain/item.js';
import type { SourceProfile } from '../domain/source-profile.js';

/** One HTTP request an adapter wants made. Pure data; the fetch worker performs it. */
export interface FetchRequest {
  /** Stable within the source (e.g. `page-0`); keys conditional-GET state and job ids. */
  key: string;
  url: string;
  /** Accept header to send (defaults to the client's). */
  accept?: string;
}

/** The bytes of one response, as stored in a snapshot. */
export interface FetchedDocument {
  request: FetchRequest;
  /** Final URL after redirects. */
  url: string;
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: Buffer;
  /** ISO time of the fetch; the only clock an adapter may use (e.g. for relative dates). */
  fetchedAt: string;
}

/**
 * A listed record whose full item is read from a detail document of its own (EUDAMED's
 * certificate detail names the devices a certificate covers; its search does not).
 */
export interface DetailRequest {
  /** The listed item the detail document completes: its item has this key. */
  itemKey: string;
  /**
   * The request; its key names the record's version, so a key once read is not asked for
   * again until the listing shows a new version.
   */
  request: FetchRequest;
}

export interface ParseResult {
  items: RawItem[];
  /** The next page to fetch, when the source pages. Absent on the last page. */
  next?: FetchRequest;
  /**
   * Detail documents of this page's items. The pipeline reads a detail only when its item is
   * stored and its request key was never read (a new certificate, or a new version of one), and
   * a listing never overwrites an item a detail may have completed. The detail document's
   * parse returns the completed item under the same key.
   */
  details?: DetailRequest[];
  /**
   * Values that should stay the same from run to run, such as an API's build version (EUDAMED's
   * `applicationInfo.buildVersion`). The pipeline stores them and notes a change as a warning
   * on the source's health, not a failure. Names match /^[A-Za-z][A-Za-z0-9_.-]*$/; values are
   * short strings.
   */
  canaries?: Record<string, string>;
  /**
   * Structured sources: the page's wire records (the JSON objects or XML items the items were
   * mapped from), for the drift check against `SourceAdapter.recordFields`. Not stored.
   */
  records?: readonly unknown[];
  /**
   * The fields `records` are checked for when this document's records have another shape than
   * `SourceAdapter.recordFields` describes (a detail document of a listing).
   */
  recordFields?: readonly string[];
}

/**
 * A production address and the public material it rests on (docs/sources.md has the full
 * account): `verified` when a stored copy of the page, or public code or documentation, shows
 * the address in use; otherwise `basis` says why it stays unverified.
 */
export interface UrlEvidence {
  url: string;
  verified: boolean;
  basis: string;
}

/** Options as written: any field, at any depth, may be left to the schema's default. */
export type OptionsInput<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: OptionsInput<T[K]> }
    : T;

/**
 * A source an adapter reads unless the configuration says otherwise: its entry in every
 * configuration (`config/sources.yaml` may switch it off or replace a field).
 */
export interface SourceDefaults<Opts> {
  /** kebab-case and unique across adapters; an adapter's main source takes the adapter's id. */
  id: string;
  /** The publisher's name in Swedish, as the workbench, reports, alerts and CLI tables show it. */
  label: string;
  /** Production addresses, each with its evidence. */
  urls: readonly UrlEvidence[];
  /** Validated by the adapter's `optionsSchema`; what is left out takes the schema's default. */
  options?: OptionsInput<Opts>;
  /** Cron expression; the configuration's default schedule otherwise. */
  schedule?: string;
  /**
   * How the recordings in `demo/fixtures/<adapter>/` were made, where that differs from
   * production (smaller pages, fewer or more addresses); each given field replaces production's.
   * The demo and the tests scan this.
   */
  recorded?: { urls?: readonly string[]; options?: OptionsInput<Opts> };
}

/** The source as configured, with options already validated. */
export interface SourceSpec<Opts> {
  id: string;
  urls: string[];
  options: Opts;
}

/**
 * A source adapter: plans requests and parses bytes. No network, file system or clock; site
 * quirks stay inside the adapter. Throw `HorisontError('parse' | 'layout-changed' | 'blocked' |
 * 'schema' | 'schema-drift', …)` for documents that cannot be read (`schema-drift` when a
 * structured source's envelope or records no longer have the shape the adapter reads); never
 * return `[]` for a page whose layout was not recognised. The pipeline reads documents through
 * `readDocument` (src/sources/read.ts), which sanitises the items and checks the record fields.
 */
export interface SourceAdapter<Opts = unknown> {
  /** kebab-case, equal to the file name in `src/sources/adapters/`. */
  readonly id: string;
  /** One line in English, shown by `horisont sources`. */
  readonly description: string;
  /** What the domain may know about every source this adapter reads. */
  readonly profile: SourceProfile;
  /**
   * The sources it reads by default, each with its production addresses and their evidence:
   * a configuration scans these unless it says otherwise.
   */
  readonly sources: readonly SourceDefaults<Opts>[];
  /**
   * Politeness: the least spacing between two requests to these hosts, shared by every worker on
   * every machine (the configuration's `hosts:` overrides it; other hosts get its default).
   */
  readonly hosts?: Readonly<Record<string, { minIntervalMs: number }>>;
  /** Validates the `options` block of a config entry using this adapter. */
  readonly optionsSchema: z.ZodType<Opts>;
  /**
   * Non-2xx statuses whose response the adapter reads itself instead of the fetch failing, e.g.
   * `[404]` for openFDA, which answers a search without matches with 404 NOT_FOUND. The
   * adapter must still throw for a body it does not recognise.
   */
  readonly acceptStatuses?: readonly number[];
  /**
   * Structured (JSON, XML) sources: the fields, as dotted paths into one wire record, that the
   * mapping needs, e.g. `['uuid', 'primaryDi', 'tradeName']`. A page whose records lack them far
   * more often than usual is schema drift (src/sources/drift.ts): nothing of it is stored. Declare
   * only what every normal record carries, and return the records as `ParseResult.records`.
   */
  readonly recordFields?: readonly string[];
  /** The first request(s) of a scan. */
  requests(source: SourceSpec<Opts>): FetchRequest[];
  parse(doc: FetchedDocument, source: SourceSpec<Opts>): ParseResult;
}
