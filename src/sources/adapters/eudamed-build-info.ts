import { z } from 'zod';
import { HorisontError } from '../../domain/errors.js';
import { describeIssues, readJsonBody } from '../json-body.js';
import { EUDAMED_HOSTS } from '../eudamed-api.js';
import { listRequestKey } from '../html.js';
import type { FetchedDocument, FetchRequest, ParseResult, SourceAdapter, SourceSpec } from '../types.js';

const ID = 'eudamed-build-info';

export const EudamedBuildInfoOptions = z.strictObject({});
export type EudamedBuildInfoOptions = z.infer<typeof EudamedBuildInfoOptions>;

/**
 * `GET /tools/eudamed/api/applicationInfo`: the build behind the public site's API. It changes
 * without notice (the site, the release notes and the API have named three different versions in
 * one week), so a change is the earliest hint that the undocumented UI API may read differently.
 */
const ApplicationInfo = z.object({
  buildVersion: z.string().trim().min(1).max(200),
  lastBuildDate: z.string().max(200).nullish(),
  activeProfile: z.string().trim().max(200).nullish(),
});

/**
 * EUDAMED's build version as a canary: no items, only `buildVersion` (and the active profile)
 * for the pipeline to compare with what it saw before. A change is a note on the source's
 * health, not a failure; a response without a build version is schema drift and breaks it.
 */
export const eudamedBuildInfo: SourceAdapter<EudamedBuildInfoOptions> = {
  id: ID,
  description: "EUDAMED's API build version (applicationInfo), watched as a schema-drift canary",
  profile: { kind: 'registry', region: 'EU' },
  hosts: EUDAMED_HOSTS,
  sources: [
    {
      id: ID,
      label: 'EUDAMED (versionsinformation)',
      // A canary, not a list: EUDAMED's API build version. A change is noted on the source's health
      // as a warning (the undocumented UI API may read differently); it never fails the run.
      urls: [
        {
          url: 'https://ec.europa.eu/tools/eudamed/api/applicationInfo?languageIso2Code=undefined',
          verified: true,
          basis:
            'Quoted with its response in Delapro/EUDAMED README.md (2022); no newer use seen, so failures are notes, not breakage.',
        },
      ],
    },
  ],
  optionsSchema: EudamedBuildInfoOptions,

  requests(source: SourceSpec<EudamedBuildInfoOptions>): FetchRequest[] {
    return source.urls.map((url) => ({ key: listRequestKey(url), url, accept: 'application/json' }));
  },

  parse(doc: FetchedDocument): ParseResult {
    const info = ApplicationInfo.safeParse(readJsonBody(ID, doc));
    if (!info.success) {
      throw new HorisontError(
        'schema',
        `parse(${ID}): not an applicationInfo document (${describeIssues(info.error)})`,
      );
    }
    const profile = info.data.activeProfile?.trim();
    return {
      items: [],
      canaries: { buildVersion: info.data.buildVersion, ...(profile ? { activeProfile: profile } : {}) },
    };
  },
};

export default eudamedBuildInfo;
