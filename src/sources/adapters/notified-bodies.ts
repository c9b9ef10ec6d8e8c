import { z } from 'zod';
import { HorisontError } from '../../domain/errors.js';
import type { RawItem } from '../../domain/item.js';
import {
  EUDAMED_HOSTS,
  MultilingualText,
  SpringPage,
  lastSegment,
  nextEudamedPage,
  textOf,
} from '../eudamed-api.js';
import { describeIssues, readJsonBody } from '../json-body.js';
import { listRequestKey } from '../html.js';
import type { FetchedDocument, FetchRequest, ParseResult, SourceAdapter, SourceSpec } from '../types.js';

const ID = 'notified-bodies';
const NB_PAGE = 'https://ec.europa.eu/tools/eudamed/#/screen/notified-bodies/';

export const NotifiedBodiesOptions = z.strictObject({
  /** Pages followed should the list come paged (about 70 bodies fit in one page). */
  maxPages: z.number().int().min(1).max(100).default(5),
});
export type NotifiedBodiesOptions = z.infer<typeof NotifiedBodiesOptions>;

/**
 * One entry of EUDAMED's notified-body list: `{uuid, name, eudamedIdentifier,
 * legislationStatusMap}`, the identifier being the four-digit NB number. The status map is keyed
 * by legislation code (`refdata.applicable-legislation.mdr`); its status vocabulary is not
 * documented, so statuses are carried as their last code segment.
 */
const NotifiedBody = z.object({
  uuid: z.string().min(1),
  name: z.union([z.string(), MultilingualText]).nullish(),
  eudamedIdentifier: z.string().min(1),
  legislationStatusMap: z.record(z.string(), z.object({ code: z.string().min(1) }).nullish()).nullish(),
});
type NotifiedBody = z.infer<typeof NotifiedBody>;

const LEGISLATION_ORDER = ['mdr', 'ivdr', 'mdd', 'aimdd', 'ivdd'];

function rank(legislation: string): number {
  const index = LEGISLATION_ORDER.indexOf(legislation);
  return index < 0 ? LEGISLATION_ORDER.length : index;
}

/** `[mdr, designated], [ivdr, designated]`, in a fixed order so the version marker is stable. */
function statusesOf(map: NotifiedBody['legislationStatusMap']): Array<[string, string]> {
  return Object.entries(map ?? {})
    .flatMap(([legislation, status]): Array<[string, string]> =>
      status ? [[lastSegment(legislation), lastSegment(status.code)]] : [],
    )
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
}

function toItem(body: NotifiedBody): RawItem {
  const number = body.eudamedIdentifier.trim();
  const name = textOf(body.name);
  const statuses = statusesOf(body.legislationStatusMap);
  const summary =
    statuses.length > 0
      ? `Status under ${statuses.map(([legislation, status]) => `${legislation.toUpperCase()}: ${status}`).join('; ')}.`
      : undefined;
  return {
    itemKey: number,
    kind: 'regulation',
    title: name ? `Notified body ${number} – ${name}` : `Notified body ${number}`,
    url: `${NB_PAGE}${encodeURIComponent(body.uuid)}`,
    ...(summary ? { summary } : {}),
    language: 'en',
    // No version number on this list: a change of designation status is what changes the entry.
    ...(statuses.length > 0 ? { sourceVersion: statuses.map(([l, s]) => `${l}=${s}`).join(';') } : {}),
    publicationType: 'Notified body',
    references: [{ scheme: 'notified-body', value: number.slice(0, 100) }],
  };
}

/**
 * EUDAMED's list of notified bodies under the MDR and IVDR, keyed by NB number: the issuers named
 * on certificates and CE marks. The bare list is what the public site serves; a paged answer of
 * the same entries is followed too.
 */
export const notifiedBodies: SourceAdapter<NotifiedBodiesOptions> = {
  id: ID,
  description: 'EUDAMED list of MDR/IVDR notified bodies (NB number, name, designation status)',
  profile: { kind: 'registry', region: 'EU' },
  hosts: EUDAMED_HOSTS,
  sources: [
    {
      id: ID,
      label: 'Anmälda organ (NANDO)',
      // EUDAMED's short list of MDR/IVDR notified bodies (NB number, name, status per legislation);
      // chosen over NANDO's legacy HTML, which is moving and has no API.
      urls: [
        {
          url: 'https://ec.europa.eu/tools/eudamed/api/ses/notifiedBodies',
          verified: true,
          basis: 'Called by two public scrapers that expect a plain array (one also accepts .content).',
        },
      ],
    },
  ],
  optionsSchema: NotifiedBodiesOptions,
  recordFields: ['uuid', 'eudamedIdentifier', 'name'],

  requests(source: SourceSpec<NotifiedBodiesOptions>): FetchRequest[] {
    return source.urls.map((url) => ({ key: listRequestKey(url), url, accept: 'application/json' }));
  },

  parse(doc: FetchedDocument, source: SourceSpec<NotifiedBodiesOptions>): ParseResult {
    const json = readJsonBody(ID, doc);
    let entries: unknown[];
    let page: SpringPage | undefined;
    if (Array.isArray(json)) {
      entries = json;
    } else {
      const paged = SpringPage.safeParse(json);
      if (!paged.success) {
        throw new HorisontError(
          'schema-drift',
          `parse(${ID}): neither a list nor a page of notified bodies (${describeIssues(paged.error)})`,
        );
      }
      page = paged.data;
      entries = page.content;
    }

    const items: RawItem[] = [];
    const seen = new Set<string>();
    entries.forEach((raw, index) => {
      const body = NotifiedBody.safeParse(raw);
      if (!body.success) {
        throw new HorisontError(
          'schema-drift',
          `parse(${ID}): entry ${index} is not a notified body (${describeIssues(body.error)})`,
        );
      }
      const item = toItem(body.data);
      // The list has carried duplicates before (a EUDAMED release note says they were removed).
      if (seen.has(item.itemKey)) return;
      seen.add(item.itemKey);
      items.push(item);
    });

    const next = page ? nextEudamedPage(page, doc, source.options.maxPages, 'notified-bodies') : undefined;
    return next ? { items, next, records: entries } : { items, records: entries };
  },
};

export default notifiedBodies;
