import { load } from 'cheerio';
import { describe, expect, it } from 'vitest';
import type { CandidateView, EvidenceItem } from './candidate.js';
import { describeCandidate } from './candidate.js';
import { buildReport } from './report.js';
import { SECTION_HEADINGS } from './report-schema.js';
import { escapeText, renderReportHtml, renderReportSection } from './report-html.js';
import type { ScoreResult } from './score.js';
import {
  storedScore,
  shippedSourceProfiles,
  shippedSourceLabels,
} from '../../test/helpers/shipped-config.js';

const generatedAt = '2026-11-20T01:30:00.000Z';

const scored = (candidate: CandidateView): ScoreResult => storedScore(candidate);

function reportFor(evidence: EvidenceItem[], name: string, forceName = false) {
  const described = describeCandidate('c-1', name, evidence, shippedSourceProfiles);
  // A stored name is already text; a hostile one can reach the report only through a source.
  const candidate = forceName ? { ...described, name } : described;
  return buildReport({
    candidate,
    score: scored(candidate),
    version: 2,
    generatedAt,
    sourceLabels: shippedSourceLabels,
  });
}

const evidence: EvidenceItem[] = [
  {
    itemId: '11',
    sourceId: 'eudamed-devices',
    kind: 'device',
    title: 'FreeStyle Libre 3 Sensor',
    url: 'https://ec.europa.eu/tools/eudamed/#/screen/search-device/dcb442cd',
    updatedAt: '2026-10-28',
    product: {
      tradeName: 'FreeStyle Libre 3 Sensor',
      manufacturer: 'Abbott Diabetes Care Ltd',
      udiDi: '05021791005734',
      riskClass: 'refdata.risk-class.class-iib',
      legislation: 'mdr',
      marketStatus: 'on-the-market',
    },
  },
  {
    itemId: '21',
    sourceId: 'sbu-publications',
    kind: 'hta-report',
    title: 'Kontinuerlig glukosmätning med FreeStyle Libre 3 vid typ 2-diabetes',
    url: 'https://www.sbu.se/sv/publikationer/regional-hta/libre-3/',
    publishedAt: '2026-03-12',
    summary: 'Utvärdering av kontinuerlig glukosmätning jämfört med kapillär blodsockermätning.',
    region: 'HTA-centrum Västra Götalandsregionen',
    publicationType: 'Regional HTA',
  },
];

describe('renderReportHtml', () => {
  const { json, markdown } = reportFor(evidence, 'FreeStyle Libre 3');
  const html = renderReportHtml(json, { sourceLabels: shippedSourceLabels });
  const $ = load(html);

  it('is a complete Swedish HTML document with a script-forbidding policy', () => {
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="sv">')).toBe(true);
    expect($('meta[charset]').attr('charset')).toBe('utf-8');
    expect($('meta[http-equiv="Content-Security-Policy"]').attr('content')).toMatch(/default-src 'none'/);
    expect($('title').text()).toBe('Tidig bedömningsrapport: FreeStyle Libre 3 Sensor');
    expect($('style').text()).toContain('@media print');
  });

  it('holds the sections of the Markdown report, in order', () => {
    const h2 = $('h2')
      .map((_, e) => $(e).text())
      .get();
    expect(h2).toEqual(Object.values(SECTION_HEADINGS).map((h, i) => `${i + 1}. ${h}`));
    for (const line of markdown.split('\n').filter((l) => l.startsWith('## '))) {
      expect(h2).toContain(line.slice(3));
    }
  });

  it('links every statement to its source, and marks gaps as "Uppgift saknas"', () => {
    const facts = $('main li:not(.gap)').filter(
      (_, e) => $(e).find('strong').length > 0 && $(e).text().includes(':'),
    );
    expect(facts.length).toBeGreaterThan(5);
    for (const li of $('main section ul > li').toArray()) {
      const text = $(li).text();
      if ($(li).hasClass('gap')) {
        expect(text).toMatch(/Uppgift saknas: /);
      }
    }
    const cites = $('a.ref');
    expect(cites.length).toBeGreaterThan(5);
    // A citation points at its numbered source in the list, where the URL stands once.
    for (const a of cites.toArray()) {
      const href = $(a).attr('href') ?? '';
      expect(href).toMatch(/^#E\d+$/);
      expect($(`ol.sources li${href}`).length).toBe(1);
    }
    expect($('ol.sources li#E1 a').attr('href')).toBe(
      'https://www.sbu.se/sv/publikationer/regional-hta/libre-3/',
    );
    expect($('li.gap').length).toBeGreaterThan(0);
  });
});

describe('renderReportHtml keeps scraped text inert', () => {
  const hostile: EvidenceItem[] = [
    {
      itemId: '1',
      sourceId: 'evil-source',
      kind: 'hta-report',
      title: '<script>alert(1)</script> FreeStyle Libre 3 <img src=x onerror="alert(2)">',
      url: 'javascript:alert(1)',
      summary: 'Se <svg onload=alert(3)> och "><iframe src=//evil.example></iframe> \u202eomvänd\u202c',
      region: '<b onmouseover=alert(4)>Region X</b>',
      publicationType: '<a href="https://evil.example" onclick="alert(5)">x</a>',
      publishedAt: '2026-03-12',
    },
    {
      itemId: '2',
      sourceId: 'tlv',
      kind: 'news',
      title: "Länk med citattecken' onerror='alert(6)",
      url: 'https://example.org/a?q="><script>alert(7)</script>',
    },
  ];
  const { json } = reportFor(hostile, '<script>alert(0)</script>', true);
  const html = renderReportHtml(json, { sourceLabels: shippedSourceLabels });
  const $ = load(html);

  it('has no script, no event handler and no link that is not http(s)', () => {
    expect($('script, iframe, img, svg, object, embed').length).toBe(0);
    for (const el of $('*').toArray()) {
      for (const name of Object.keys((el as { attribs?: Record<string, string> }).attribs ?? {})) {
        expect(name).not.toMatch(/^on/i);
      }
    }
    for (const a of $('a').toArray()) expect($(a).attr('href')).toMatch(/^(https?:\/\/|#E\d+$)/);
    expect(html).not.toMatch(/<script|<img|<svg|<iframe|javascript:/i);
  });

  it('shows the hostile text as text', () => {
    expect($('h1').text()).toBe('Tidig bedömningsrapport: <script>alert(0)</script>');
    expect($('ol.sources').text()).toContain(
      '<script>alert(1)</script> FreeStyle Libre 3 <img src=x onerror="alert(2)">',
    );
    expect(html).toContain('&lt;img src=x onerror=&quot;alert(2)&quot;&gt;');
    expect(html).not.toMatch(/[\u202a-\u202e]/);
  });

  it('escapes the five markup characters and drops control characters', () => {
    expect(escapeText(`<a href="x" title='y'>&\u202e`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp; ',
    );
  });
});

describe('renderReportSection', () => {
  const { json } = reportFor(evidence, 'FreeStyle Libre 3');
  const file = load(renderReportHtml(json, { sourceLabels: shippedSourceLabels }));
  const section = renderReportSection(json, 3, shippedSourceLabels);
  const $ = load(section);
  const text = (value: string): string => value.replace(/\s+/g, ' ').trim();

  it('says what the file says, its headings moved down, without document, landmarks or style', () => {
    expect(section).not.toMatch(/<(html|head|body|header|main|style)\b/);
    expect($('h1, h2').length).toBe(0);
    expect($('h3').first().text()).toBe(file('h1').text());
    expect(
      $('h4')
        .map((_, e) => $(e).text())
        .get(),
    ).toEqual(
      file('h2')
        .map((_, e) => file(e).text())
        .get(),
    );
    expect(text($.root().text())).toBe(text(file('body').text()));
  });
});
