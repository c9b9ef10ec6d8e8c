import type { ConfiguredSource } from './load.js';

/** Whether a source's production URLs rest on public evidence (docs/sources.md). */
export interface SourceEvidence {
  /** `belagd` (every URL), `delvis belagd` (some), `obelagd` (none), `ej angivet` (no entries). */
  mark: string;
  urls: Array<{ url: string; verified: boolean | null; basis: string | null }>;
}

export function sourceEvidence(source: Pick<ConfiguredSource, 'urls' | 'evidence'>): SourceEvidence {
  const urls = source.urls.map((url) => {
    const entry = source.evidence.find((evidence) => evidence.url === url);
    return { url, verified: entry?.verified ?? null, basis: entry?.basis ?? null };
  });
  const stated = urls.filter((url) => url.verified !== null);
  const verified = urls.filter((url) => url.verified === true).length;
  const mark =
    stated.length === 0
      ? 'ej angivet'
      : verified === urls.length
        ? 'belagd'
        : verified === 0 && stated.length === urls.length
          ? 'obelagd'
          : `delvis belagd (${verified} av ${urls.length})`;
  return { mark, urls };
}
