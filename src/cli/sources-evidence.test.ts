import { describe, expect, it } from 'vitest';
import { formatSourceHealth } from './sources-commands.js';
import { sourceEvidence } from '../config/evidence.js';
import { DEFAULT_CONFIG_DIR, loadConfig } from '../config/load.js';
import type { SourceHealthDetail } from '../store/health.js';

const A = 'https://example.se/a';
const B = 'https://example.se/b';

function row(id: string): SourceHealthDetail {
  return {
    id,
    adapter: id,
    enabled: true,
    health: 'ok',
    consecutive_failures: 0,
    last_error_kind: null,
    last_error_message: null,
    last_error_at: null,
    last_success_at: null,
    last_outcome: 'ok',
    items: 3,
    recent_yields: [3],
    usual_items: null,
    note: null,
    note_at: null,
    canaries: {},
  };
}

describe('the evidence mark of a source', () => {
  it('says whether every, some, none or no address was checked against public material', () => {
    const seen = { url: A, verified: true, basis: 'stored copy of the page, 2026' };
    const unseen = { url: B, verified: false, basis: 'no stored page or code shows it' };
    expect(sourceEvidence({ urls: [A], evidence: [seen] }).mark).toBe('belagd');
    expect(sourceEvidence({ urls: [A, B], evidence: [seen, unseen] }).mark).toBe('delvis belagd (1 av 2)');
    expect(sourceEvidence({ urls: [B], evidence: [unseen] }).mark).toBe('obelagd');
    expect(sourceEvidence({ urls: [A, B], evidence: [] }).mark).toBe('ej angivet');
    // An address left out of a partly stated list is not counted as evidenced.
    expect(sourceEvidence({ urls: [A, B], evidence: [seen] }).mark).toBe('delvis belagd (1 av 2)');
  });

  it('`horisont sources` shows the mark per source and lists each unverified address with its reason', () => {
    const evidence = new Map([
      [
        'hta-x',
        sourceEvidence({
          urls: [A, B],
          evidence: [
            { url: A, verified: true, basis: 'stored copy of the page, 2026' },
            { url: B, verified: false, basis: 'no stored page or code shows this list' },
          ],
        }),
      ],
    ]);
    const listing = formatSourceHealth([row('hta-x'), row('other')], {}, evidence);
    const lines = listing.split('\n');
    expect(lines[0]).toContain('belägg');
    expect(lines.find((l) => l.endsWith(' hta-x'))).toContain('delvis belagd (1 av 2)');
    expect(lines.find((l) => l.endsWith(' other'))).toContain('–');
    const unverified = lines.slice(
      lines.indexOf('Adresser utan offentligt belägg (se docs/sources.md):') + 1,
    );
    expect(unverified).toEqual([expect.stringContaining(`${B}: no stored page or code shows this list`)]);
  });

  it('every production URL states its evidence, and at least five regional HTA units are configured', async () => {
    const config = await loadConfig(DEFAULT_CONFIG_DIR);
    const unstated = config.sources.flatMap((source) =>
      sourceEvidence(source)
        .urls.filter((url) => url.verified === null)
        .map((url) => `${source.id} ${url.url}`),
    );
    expect(unstated).toEqual([]);
    expect(
      config.sources.filter((s) => s.adapterId === 'regional-hta-list' && s.enabled).length,
    ).toBeGreaterThanOrEqual(5);
  });
});
