/**
 * Seeded generators of source documents shaped like the real ones the adapters read: EUR-Lex RSS
 * 2.0, SBU and TLV HTML list pages, EUDAMED device search pages and ClinicalTrials.gov v2 study
 * pages. Every item is generated from its own seed (source seed + item id), so the same item has
 * the same content in every document and run; a changed item is a new version number.
 */
import { capitalise, chance, gtinCheckDigit, int, mulberry32, pick, pseudoWord } from './prng.js';
import type { Rng } from './prng.js';
import { SWEDISH_MONTHS } from '../../src/domain/dates.js';

export interface ItemRef {
  id: number;
  /** Bumped to change an item's content (a new version of the same item). */
  version?: number;
}

function itemRng(seed: number, ref: ItemRef): Rng {
  return mulberry32(
    (Math.imul(seed, 2_654_435_761) ^ Math.imul(ref.id + 1, 40_503) ^ ((ref.version ?? 0) * 7919)) >>> 0,
  );
}

const MONTHS_EN = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS_EN = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

const TOPICS_EN = [
  'medical devices',
  'in vitro diagnostic medical devices',
  'harmonised standards for sterilisation of health care products',
  'the designation of notified bodies',
  'aluminium foil originating in the People&#8217;s Republic of China',
  'fishing opportunities in the North Sea',
  'the safety of toys',
  'organic production &amp; labelling',
  'electrical equipment &lt;designed&gt; for use within certain voltage limits',
];
const ACTS = [
  'Commission Implementing Regulation',
  'Commission Delegated Regulation',
  'Council Decision',
  'Commission Implementing Decision',
  'Regulation',
  'Commission Recommendation',
];
const SV_WORDS = [
  'kontinuerlig',
  'glukosmätning',
  'vid',
  'typ',
  'diabetes',
  'robotassisterad',
  'kirurgi',
  'prostatacancer',
  'hälsoekonomisk',
  'bedömning',
  'av',
  'implantat',
  'hjärtsvikt',
  'sensor',
  'behandling',
  'barn',
  'vuxna',
  'stroke',
  'artros',
  'digital',
  'uppföljning',
  'kateter',
  'ablation',
  'förmaksflimmer',
];
const REGIONS = [
  'Västra Götalandsregionen',
  'Region Stockholm',
  'Region Skåne',
  'Region Östergötland',
  'Region Örebro län',
  'Region Uppsala',
];

export function rfc822(rng: Rng): { text: string; day: string } {
  const year = int(rng, 2024, 2026);
  const month = int(rng, 0, 11);
  const day = int(rng, 1, 28);
  const weekday = new Date(Date.UTC(year, month, day)).getUTCDay();
  return {
    text: `${DAYS_EN[weekday]}, ${String(day).padStart(2, '0')} ${MONTHS_EN[month]} ${year} 00:00:00 +0100`,
    day: `${year}-${String(month + 1).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
  };
}

function swedishDate(rng: Rng): string {
  return `${int(rng, 1, 28)} ${pick(rng, SWEDISH_MONTHS)} ${int(rng, 2024, 2026)}`;
}

function sentence(rng: Rng, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(pick(rng, SV_WORDS));
  return capitalise(out.join(' '));
}

/** A product-like name: "Velora Flow X200". */
export function productName(rng: Rng): string {
  return `${capitalise(pseudoWord(rng, int(rng, 2, 3)))}${chance(rng, 0.4) ? ` ${capitalise(pseudoWord(rng, 1))}` : ''} ${pick(rng, ['X', 'G', 'S', 'V'])}${int(rng, 1, 999)}`;
}

// ---------------------------------------------------------------------------------------------
// EUR-Lex feeds: RSS 2.0 and the same acts as Atom 1.0

interface Act {
  celex: string;
  /** Title and description as they appear in the feed (escaped, or CDATA). */
  title: string;
  description: string;
  link: string;
  guid: string;
  date: { text: string; day: string };
}

function actOf(seed: number, ref: ItemRef): Act {
  const rng = itemRng(seed, ref);
  const year = 2026;
  const number = 1000 + ref.id;
  const typeLetter = pick(rng, ['R', 'D', 'L', 'H']);
  const celex = `3${year}${typeLetter}${String(number).padStart(4, '0')}`;
  const act = pick(rng, ACTS);
  const topic = pick(rng, TOPICS_EN);
  const title = `CELEX:${celex}: ${act} (EU) ${year}/${number} of ${int(rng, 1, 28)} November ${year} amending Implementing Regulation (EU) 2017/2185 as regards ${topic}${ref.version ? ` (version ${ref.version})` : ''}`;
  const date = rfc822(rng);
  let description = '';
  const kind = int(rng, 0, 2);
  if (kind === 1) {
    description = `<![CDATA[<p>Summary of the act on <b>${topic.replace(/&[^;]+;/g, ' ')}</b>, see Regulation (EU) 2017/745.</p><ul><li>Point one</li><li>Point two &amp; three</li></ul>]]>`;
  } else if (kind === 2) {
    description = `&lt;p&gt;This act concerns ${topic} and applies from ${date.day}.&lt;/p&gt; &lt;p&gt;Further text &amp;amp; detail for ${productName(rng)}.&lt;/p&gt;`;
  }
  return {
    celex,
    title,
    description,
    link: `https://eur-lex.europa.eu/./legal-content/AUTO/?uri=CELEX:${celex}`,
    guid: `https://eur-lex.europa.eu/./legal-content/AUTO/?uri=CELLAR:${pseudoWord(rng, 3)}-${ref.id}`,
    date,
  };
}

function rssItem(seed: number, ref: ItemRef): string {
  const act = actOf(seed, ref);
  return `  <item>
    <title>${act.title}</title>
    ${act.description === '' ? '<description/>' : `<description>${act.description}</description>`}
    <link>${act.link}</link>
    <guid isPermaLink="false">${act.guid}</guid>
    <category>Lex Alerts</category>
    <pubDate>${act.date.text}</pubDate>
    <dc:creator>European Commission,</dc:creator>
  </item>
`;
}

export function rssFeed(seed: number, items: readonly ItemRef[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel xmlns:dc="http://purl.org/dc/elements/1.1/">
  <title>Acts of the Official Journal L (${seed})</title>
  <link>https://eur-lex.europa.eu/oj/direct-access.html</link>
  <atom:link href="https://eur-lex.europa.eu/EN/display-feed.rss?rssId=${seed}" rel="self" type="application/rss+xml"/>
  <description>EUR-Lex: the latest acts published in the Official Journal of the European Union, L series</description>
  <language>en</language>
${items.map((ref) => rssItem(seed, ref)).join('')}</channel>
</rss>
`;
}

function atomEntry(seed: number, ref: ItemRef): string {
  const act = actOf(seed, ref);
  const at = `${act.date.day}T00:00:00+01:00`;
  return `  <entry>
    <title type="html">${act.title}</title>
    <link rel="alternate" type="text/html" href="${act.link}"/>
    <link rel="related" href="https://eur-lex.europa.eu/eli/${act.celex.toLowerCase()}/oj"/>
    <id>${act.guid}</id>
    <updated>${at}</updated>
    <published>${at}</published>
    ${act.description === '' ? '<summary type="html"/>' : `<summary type="html">${act.description}</summary>`}
    <category term="Lex Alerts"/>
    <author><name>European Commission</name></author>
  </entry>
`;
}

/** The acts `rssFeed` lists, as an Atom 1.0 feed (the same items once read). */
export function atomFeed(seed: number, items: readonly ItemRef[]): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
  <title>Acts of the Official Journal L (${seed})</title>
  <id>https://eur-lex.europa.eu/EN/display-feed.atom?rssId=${seed}</id>
  <updated>2026-11-20T06:00:00Z</updated>
  <link rel="self" type="application/atom+xml" href="https://eur-lex.europa.eu/EN/display-feed.atom?rssId=${seed}"/>
  <link rel="alternate" href="https://eur-lex.europa.eu/oj/direct-access.html"/>
  <subtitle>EUR-Lex: the latest acts published in the Official Journal of the European Union, L series</subtitle>
${items.map((ref) => atomEntry(seed, ref)).join('')}</feed>
`;
}

// ---------------------------------------------------------------------------------------------
// HTML list pages

const HTML_HEAD = (title: string) => `<!DOCTYPE html>
<html lang="sv">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${title}</title>
  <link rel="stylesheet" href="/static/css/main.min.css?v=1.84.2">
  <script>window.dataLayer = window.dataLayer || []; function gtag(){dataLayer.push(arguments);}</script>
</head>
<body>
  <header class="site-header"><nav aria-label="Huvudmeny"><ul>
    <li><a href="/sv/publikationer/">Publikationer</a></li><li><a href="/sv/aktuellt/">Aktuellt</a></li>
    <li><a href="/sv/om/">Om oss</a></li></ul></nav></header>
`;
const HTML_FOOT = `  <footer class="site-footer"><p>Box 3657, 103 59 Stockholm</p><p><a href="/sv/om/kakor/">Kakor</a></p></footer>
</body>
</html>
`;

function sbuHit(seed: number, ref: ItemRef): string {
  const rng = itemRng(seed, ref);
  const regional = chance(rng, 0.6);
  const title = `${sentence(rng, int(rng, 4, 9))} med ${productName(rng)}${ref.version ? ` (uppdaterad ${ref.version})` : ''}`;
  const slug = `${title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')}-${ref.id}`;
  return `            <li class="search-result-list__item">
              <article class="search-hit">
                <div class="search-hit__header">
                  <span class="search-hit__type">${regional ? 'Regional HTA' : 'SBU Utvärderar'}</span>
                  <span class="search-hit__date">Publicerad: ${swedishDate(rng)}</span>
                </div>
                <h3 class="search-hit__heading">
                  <a class="search-hit__link" href="/sv/publikationer/${regional ? 'regional-hta' : 'sbu-utvarderar'}/${slug}/">${title}</a>
                </h3>
                ${regional ? `<p class="search-hit__organisation">HTA-centrum ${pick(rng, REGIONS)}</p>` : ''}
                <p class="search-hit__excerpt">${sentence(rng, int(rng, 15, 40))}. Rapporten omfattar &auml;ven en h&auml;lsoekonomisk analys.</p>
              </article>
            </li>
`;
}

export function sbuPage(seed: number, items: readonly ItemRef[]): string {
  return `${HTML_HEAD('Sök | SBU')}  <main id="main-content" class="main"><div class="container">
      <h1 class="page-title">Sök</h1>
      <div class="search-layout">
        <section class="search-result" aria-label="Sökresultat">
          <p class="search-result__summary">Din sökning gav <strong>${items.length}</strong> träffar.</p>
          <ol class="search-result-list">
${items.map((ref) => sbuHit(seed, ref)).join('')}          </ol>
        </section>
      </div>
  </div></main>
${HTML_FOOT}`;
}

function tlvItem(seed: number, ref: ItemRef): string {
  const rng = itemRng(seed, ref);
  const title = `Hälsoekonomisk bedömning av ${productName(rng)} vid ${sentence(rng, int(rng, 2, 5)).toLowerCase()}${ref.version ? ` (version ${ref.version})` : ''}`;
  const slug = `${title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')}-${ref.id}`;
  return `                  <li class="sol-article-item">
                    <a class="sol-article-item__link" href="/medicinteknik/halsoekonomiska-bedomningar-av-medicinteknik/${slug}.html">
                      <div class="sol-article-item__content">
                        <span class="sol-article-item__heading">${title}</span>
                        <div class="sol-article-item__date">Publicerad ${swedishDate(rng)}</div>
                        <p class="sol-article-item__desc">${sentence(rng, int(rng, 12, 30))}.</p>
                      </div>
                    </a>
                  </li>
`;
}

export function tlvPage(seed: number, items: readonly ItemRef[]): string {
  return `${HTML_HEAD('Hälsoekonomiska bedömningar av medicinteknik - TLV')}  <main class="sv-layout sol-main" id="Innehall">
      <h1 class="font-heading-1">Hälsoekonomiska bedömningar av medicinteknik</h1>
        <div class="sol-article-list-wrapper">
          <ul class="sol-article-list">
${items.map((ref) => tlvItem(seed, ref)).join('')}          </ul>
        </div>
  </main>
${HTML_FOOT}`;
}

// ---------------------------------------------------------------------------------------------
// EUDAMED device search (Spring page)

/** Roughly the EU mix: most devices are class I/IIa, few are class III or IVD class D. */
const RISK = [
  ...Array<string>(9).fill('class-i'),
  ...Array<string>(6).fill('class-iia'),
  ...Array<string>(3).fill('class-iib'),
  'class-iii',
  'class-c',
];

export function eudamedDevice(seed: number, ref: ItemRef): Record<string, unknown> {
  const rng = itemRng(seed, ref);
  const body = `0${String(2_000_000 + (seed % 1000)).slice(-7)}${String(ref.id).padStart(5, '0')}`.slice(
    0,
    13,
  );
  const gtin = `${body}${gtinCheckDigit(body)}`;
  const manufacturer = `${capitalise(pseudoWord(rng, 2))} Medical ${pick(rng, ['AB', 'GmbH', 'Ltd', 'Inc.', 'B.V.'])}`;
  const uuid = `${pseudoWord(rng, 2)}-${ref.id}-${seed}`;
  return {
    basicUdi: `${gtin.slice(1, 8)}B${ref.id}`,
    primaryDi: gtin,
    uuid,
    ulid: `01${pseudoWord(rng, 4).toUpperCase()}${ref.id}`,
    basicUdiDiDataUlid: `01${pseudoWord(rng, 4).toUpperCase()}`,
    riskClass: { code: `refdata.risk-class.${pick(rng, RISK)}` },
    tradeName: productName(rng),
    manufacturerName: manufacturer,
    manufacturerSrn: `SE-MF-${String(int(rng, 1, 999_999)).padStart(9, '0')}`,
    deviceStatusType: { code: 'refdata.device-model-status.on-the-market' },
    manufacturerNames: null,
    manufacturerStatus: { code: 'refdata.actor-status.active' },
    latestVersion: true,
    versionNumber: 1 + (ref.version ?? 0),
    basicUdiDataUuid: null,
    basicUdiDataUlid: null,
    basicUdiDataVersionState: null,
    versionState: null,
    deviceName: null,
    deviceModel: null,
    lastUpdateDate: `2026-${String(int(rng, 1, 11)).padStart(2, '0')}-${String(int(rng, 1, 28)).padStart(2, '0')}T10:00:00.000`,
    reference: `${int(rng, 10000, 99999)}-01`,
    basicUdiDataVersionNumber: 1,
    issuingAgency: null,
    containerPackageCount: 0,
    mfOrPrSrn: null,
    applicableLegislation: { code: `refdata.applicable-legislation.${chance(rng, 0.8) ? 'mdr' : 'ivdr'}` },
    authorisedRepresentativeSrn: null,
    authorisedRepresentativeName: null,
    sterile: chance(rng, 0.5),
    multiComponent: null,
    deviceCriterion: null,
    cndNomenclatures: [{ code: `${pick(rng, ['P', 'Z', 'J', 'C'])}${int(rng, 100000, 999999)}` }],
  };
}

export function eudamedPage(
  seed: number,
  items: readonly ItemRef[],
  page: number,
  size: number,
  totalElements: number,
): string {
  const totalPages = Math.max(1, Math.ceil(totalElements / size));
  return JSON.stringify({
    content: items.map((ref) => eudamedDevice(seed, ref)),
    pageable: { pageNumber: page, pageSize: size, sort: { sorted: false, unsorted: true, empty: true } },
    totalElements,
    totalPages,
    last: page >= totalPages - 1,
    number: page,
    size,
    numberOfElements: items.length,
    first: page === 0,
    empty: items.length === 0,
  });
}

// ---------------------------------------------------------------------------------------------
// ClinicalTrials.gov API v2

export function ctStudy(seed: number, ref: ItemRef): Record<string, unknown> {
  const rng = itemRng(seed, ref);
  const nctId = `NCT${String(6_000_000 + seed * 10_000 + ref.id).padStart(8, '0')}`;
  const device = productName(rng);
  const sponsor = `${capitalise(pseudoWord(rng, 2))} Medical, Inc.`;
  const locations = Array.from({ length: int(rng, 1, 6) }, () => ({
    facility: `${capitalise(pseudoWord(rng, 3))} Universitetssjukhus`,
    status: 'RECRUITING',
    city: pick(rng, ['Stockholm', 'Göteborg', 'Lund', 'Oslo', 'Aarhus', 'Helsinki', 'Boston', 'Berlin']),
    country: pick(rng, ['Sweden', 'Norway', 'Denmark', 'Finland', 'United States', 'Germany']),
    geoPoint: { lat: 59.3 + rng(), lon: 18.0 + rng() },
  }));
  return {
    protocolSection: {
      identificationModule: {
        nctId,
        orgStudyIdInfo: { id: `CTP-${ref.id}` },
        organization: { fullName: sponsor, class: 'INDUSTRY' },
        briefTitle: `Safety and Performance of the ${device} in Adults With ${pick(rng, ['Type 1 Diabetes', 'Heart Failure', 'Atrial Fibrillation', 'Knee Osteoarthritis'])}${ref.version ? ` (amendment ${ref.version})` : ''}`,
        officialTitle: `A Prospective, Multicenter Study of the ${device} (${pseudoWord(rng, 3)})`,
        acronym: pseudoWord(rng, 2).toUpperCase(),
        secondaryIdInfos: chance(rng, 0.3)
          ? [{ id: `2025-5${int(rng, 10000, 99999)}-17-00`, type: 'CTIS' }]
          : [],
      },
      statusModule: {
        statusVerifiedDate: '2026-11',
        overallStatus: pick(rng, ['RECRUITING', 'NOT_YET_RECRUITING', 'ACTIVE_NOT_RECRUITING']),
        startDateStruct: { date: '2026-03', type: 'ACTUAL' },
        studyFirstPostDateStruct: { date: `2026-0${int(rng, 1, 9)}-1${int(rng, 0, 9)}`, type: 'ACTUAL' },
        lastUpdatePostDateStruct: { date: `2026-1${int(rng, 0, 1)}-1${int(rng, 0, 9)}`, type: 'ACTUAL' },
      },
      sponsorCollaboratorsModule: {
        responsibleParty: { type: 'SPONSOR' },
        leadSponsor: { name: sponsor, class: 'INDUSTRY' },
      },
      descriptionModule: {
        briefSummary: `The purpose of this study is to evaluate the ${device}. ${'Participants are followed for twelve months with standardised outcome measures. '.repeat(int(rng, 1, 4))}`,
      },
      conditionsModule: { conditions: ['Type 1 Diabetes'], keywords: ['device', pseudoWord(rng, 2)] },
      designModule: {
        studyType: 'INTERVENTIONAL',
        phases: ['NA'],
        enrollmentInfo: { count: int(rng, 20, 900), type: 'ESTIMATED' },
      },
      armsInterventionsModule: {
        interventions: [{ type: 'DEVICE', name: device, description: `The ${device}.`, otherNames: [] }],
      },
      contactsLocationsModule: { locations },
    },
    derivedSection: { miscInfoModule: { versionHolder: '2026-11-19' } },
    hasResults: false,
  };
}

export function ctPage(seed: number, items: readonly ItemRef[], nextPageToken?: string): string {
  return JSON.stringify({
    studies: items.map((ref) => ctStudy(seed, ref)),
    ...(nextPageToken ? { nextPageToken } : {}),
    totalCount: items.length,
  });
}

export function refs(from: number, count: number, version = 0): ItemRef[] {
  return Array.from({ length: count }, (_, i) => ({ id: from + i, ...(version ? { version } : {}) }));
}
