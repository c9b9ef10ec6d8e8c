/**
 * W2: parse, extract and validate through the real adapters, against the raw parsers and the
 * feed-parsing peers on the same bytes.
 *
 * - Feeds (EUR-Lex-shaped, three in four RSS 2.0 and one in four the same acts as Atom 1.0):
 *   eurlex-oj (keywords off, so every item is kept) + RawItem validation; baselines
 *   fast-xml-parser, rss-parser and @extractus/feed-extractor, which read both formats.
 * - HTML list pages (SBU search, TLV Sitevision): sbu-publications / tlv + RawItem validation;
 *   baseline cheerio.load (the loader the adapters use) on the same bytes.
 * - JSON (EUDAMED device search, ClinicalTrials.gov v2): eudamed-devices / clinicaltrials +
 *   RawItem validation; baseline JSON.parse.
 *
 * Times are CPU time of this process (user + system), the best of several interleaved rounds, so
 * other load on the machine moves them less than wall time.
 */
import { extractFromXml } from '@extractus/feed-extractor';
import * as cheerio from 'cheerio';
import { XMLParser } from 'fast-xml-parser';
import RssParser from 'rss-parser';
import { RawItem } from '../src/domain/item.js';
import { clinicaltrials, ClinicalTrialsOptions } from '../src/sources/adapters/clinicaltrials.js';
import { eudamedDevices, EudamedDevicesOptions } from '../src/sources/adapters/eudamed-devices.js';
import { eurlexOj, EurlexOjOptions } from '../src/sources/adapters/eurlex-oj.js';
import { sbuPublications, SbuPublicationsOptions } from '../src/sources/adapters/sbu-publications.js';
import { tlv, TlvOptions } from '../src/sources/adapters/tlv.js';
import type { FetchedDocument, SourceAdapter, SourceSpec } from '../src/sources/types.js';
import { atomFeed, ctPage, eudamedPage, refs, rssFeed, sbuPage, tlvPage } from './lib/corpus.js';
import { int, mulberry32 } from './lib/prng.js';
import { atLeastRatio, collect, emit, isQuick, log, machine } from './lib/report.js';

const quick = isQuick();
const started = performance.now();
const totalBytes = quick ? 3e6 : 50e6;
const rng = mulberry32(4242);

interface Doc {
  doc: FetchedDocument;
  text: string;
  bytes: number;
  adapter: SourceAdapter<unknown>;
  spec: SourceSpec<unknown>;
}

function fetched(url: string, body: string, contentType: string): FetchedDocument {
  return {
    request: { key: 'bench', url },
    url,
    status: 200,
    headers: { 'content-type': contentType },
    body: Buffer.from(body, 'utf8'),
    fetchedAt: '2026-11-20T01:00:00Z',
  };
}

function spec<O>(adapter: SourceAdapter<O>, url: string, options: O): SourceSpec<unknown> {
  return { id: adapter.id, urls: [url], options };
}

function build(): { feeds: Doc[]; html: Doc[]; json: Doc[] } {
  const feeds: Doc[] = [];
  const html: Doc[] = [];
  const json: Doc[] = [];
  const sum = (docs: Doc[]) => docs.reduce((n, d) => n + d.bytes, 0);
  const add = (
    list: Doc[],
    adapter: SourceAdapter<unknown>,
    url: string,
    text: string,
    type: string,
    options: unknown,
  ) => {
    const doc = fetched(url, text, type);
    list.push({ doc, text, bytes: doc.body.length, adapter, spec: spec(adapter, url, options) });
  };
  let seed = 1;
  // 40 % feeds of 10–500 kB (≈ 15–700 items of ≈ 700 bytes); every fourth one Atom.
  while (sum(feeds) < totalBytes * 0.4) {
    const items = refs(0, int(rng, 15, 700));
    const isAtom = feeds.length % 4 === 3;
    add(
      feeds,
      eurlexOj,
      `https://eur-lex.europa.eu/EN/display-feed.${isAtom ? 'atom' : 'rss'}?rssId=${seed}`,
      isAtom ? atomFeed(seed, items) : rssFeed(seed, items),
      isAtom ? 'application/atom+xml;charset=UTF-8' : 'application/rss+xml;charset=UTF-8',
      EurlexOjOptions.parse({ keywords: [] }),
    );
    seed++;
  }
  // 30 % HTML list pages of 20–500 rows, SBU and TLV alternating.
  while (sum(html) < totalBytes * 0.3) {
    const rows = refs(0, int(rng, 20, 500));
    if (seed % 2 === 0) {
      add(
        html,
        sbuPublications,
        `https://www.sbu.se/sv/sok/?q=&s=date&ps=${rows.length}&p=${seed}`,
        sbuPage(seed, rows),
        'text/html; charset=utf-8',
        SbuPublicationsOptions.parse({ maxItems: 500 }),
      );
    } else {
      add(
        html,
        tlv,
        `https://www.tlv.se/medicinteknik/halsoekonomiska-bedomningar-av-medicinteknik.html?p=${seed}`,
        tlvPage(seed, rows),
        'text/html;charset=UTF-8',
        TlvOptions.parse({ maxItems: 500 }),
      );
    }
    seed++;
  }
  // 30 % JSON pages of 100–1000 records, EUDAMED and ClinicalTrials.gov alternating.
  while (sum(json) < totalBytes * 0.3) {
    const count = int(rng, 100, 1000);
    if (seed % 2 === 0) {
      add(
        json,
        eudamedDevices,
        'https://ec.europa.eu/tools/eudamed/api/devices/udiDiData?page=0&size=300&pageSize=300&iso2Code=en&languageIso2Code=en',
        eudamedPage(seed, refs(0, count), 0, count, count),
        'application/json',
        EudamedDevicesOptions.parse({}),
      );
    } else {
      add(
        json,
        clinicaltrials,
        'https://clinicaltrials.gov/api/v2/studies?query.locn=Sweden&pageSize=1000&format=json',
        ctPage(seed, refs(0, count)),
        'application/json',
        ClinicalTrialsOptions.parse({ pageSize: 1000 }),
      );
    }
    seed++;
  }
  return { feeds, html, json };
}

function cpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/** Runs `work` over every document; returns CPU seconds and the items counted. */
async function pass(
  docs: Doc[],
  work: (d: Doc) => number | Promise<number>,
): Promise<{ seconds: number; items: number }> {
  collect();
  const start = cpuSeconds();
  let items = 0;
  for (const d of docs) items += await work(d);
  return { seconds: cpuSeconds() - start, items };
}

/** Best of `rounds` interleaved passes per method (after one warm-up pass each). */
async function measure(
  docs: Doc[],
  methods: Record<string, (d: Doc) => number | Promise<number>>,
  rounds: number,
): Promise<Record<string, { seconds: number; items: number; mbPerS: number; itemsPerS: number }>> {
  const bytes = docs.reduce((n, d) => n + d.bytes, 0);
  const best: Record<string, { seconds: number; items: number }> = {};
  for (const work of Object.values(methods)) await pass(docs.slice(0, 5), work);
  for (let round = 0; round < rounds; round++) {
    for (const [name, work] of Object.entries(methods)) {
      const result = await pass(docs, work);
      if (!best[name] || result.seconds < best[name].seconds) best[name] = result;
    }
  }
  return Object.fromEntries(
    Object.entries(best).map(([name, r]) => [
      name,
      { ...r, mbPerS: bytes / 1e6 / r.seconds, itemsPerS: r.items / r.seconds },
    ]),
  );
}

function adapterItems(d: Doc): number {
  const result = d.adapter.parse(d.doc, d.spec);
  let valid = 0;
  for (const item of result.items) if (RawItem.safeParse(item).success) valid++;
  if (valid !== result.items.length) {
    throw new Error(`${d.adapter.id}: ${result.items.length - valid} invalid items`);
  }
  return valid;
}

const { feeds, html, json } = build();
const mb = (docs: Doc[]) => docs.reduce((n, d) => n + d.bytes, 0) / 1e6;
log(
  `W2: corpus ${feeds.length} feeds (${mb(feeds).toFixed(1)} MB), ${html.length} HTML pages (${mb(html).toFixed(1)} MB), ${json.length} JSON pages (${mb(json).toFixed(1)} MB)`,
);
const rounds = quick ? 1 : 3;

const fxp = new XMLParser({ ignoreAttributes: false });
const rssParser = new RssParser();
const feedResults = await measure(
  feeds,
  {
    adapter: adapterItems,
    fastXmlParser: (d) => {
      const parsed = fxp.parse(d.text) as {
        rss?: { channel: { item: unknown[] } };
        feed?: { entry: unknown[] };
      };
      return (parsed.rss?.channel.item ?? parsed.feed?.entry ?? []).length;
    },
    rssParser: async (d) => (await rssParser.parseString(d.text)).items.length,
    feedExtractor: (d) => extractFromXml(d.text, { normalization: true }).entries?.length ?? 0,
  },
  rounds,
);
log(`W2: feeds ${JSON.stringify(feedResults)}`);

const htmlResults = await measure(
  html,
  {
    adapter: adapterItems,
    cheerioLoad: (d) => (cheerio.load(d.text) ? 0 : 0),
  },
  rounds,
);
log(`W2: html ${JSON.stringify(htmlResults)}`);

const jsonResults = await measure(
  json,
  {
    adapter: adapterItems,
    jsonParse: (d) => {
      const parsed = JSON.parse(d.text) as { content?: unknown[]; studies?: unknown[] };
      return (parsed.content ?? parsed.studies ?? []).length;
    },
  },
  rounds,
);
log(`W2: json ${JSON.stringify(jsonResults)}`);

const f = feedResults;
const h = htmlResults;
const j = jsonResults;
emit({
  bench: 'horisont',
  workload: 'W2',
  title: 'parse, extract and validate',
  quick,
  seconds: (performance.now() - started) / 1000,
  params: {
    feeds: feeds.length,
    feedMB: mb(feeds),
    htmlPages: html.length,
    htmlMB: mb(html),
    jsonPages: json.length,
    jsonMB: mb(json),
    rounds,
    timing: 'CPU seconds, best of interleaved rounds',
  },
  baselines: {
    fastXmlParserMBps: f.fastXmlParser!.mbPerS,
    rssParserItemsPerS: f.rssParser!.itemsPerS,
    feedExtractorItemsPerS: f.feedExtractor!.itemsPerS,
    cheerioLoadMBps: h.cheerioLoad!.mbPerS,
    jsonParseMBps: j.jsonParse!.mbPerS,
  },
  metrics: { feeds: f, html: h, json: j },
  goals: [
    atLeastRatio(
      'W2a',
      'feeds (RSS and Atom): eurlex-oj + validation',
      f.adapter!.itemsPerS,
      'items/s',
      f.rssParser!.itemsPerS,
      'rss-parser items/s',
      2,
    ),
    atLeastRatio(
      'W2b',
      'HTML lists: sbu/tlv + validation',
      h.adapter!.mbPerS,
      'MB/s',
      h.cheerioLoad!.mbPerS,
      'cheerio.load MB/s',
      0.5,
    ),
    atLeastRatio(
      'W2c',
      'JSON: eudamed/clinicaltrials + validation',
      j.adapter!.mbPerS,
      'MB/s',
      j.jsonParse!.mbPerS,
      'JSON.parse MB/s',
      0.25,
    ),
  ],
  notes: [
    `Feeds also vs fast-xml-parser: ${(f.adapter!.mbPerS / f.fastXmlParser!.mbPerS).toFixed(2)}× its MB/s; vs @extractus/feed-extractor: ${(f.adapter!.itemsPerS / f.feedExtractor!.itemsPerS).toFixed(2)}× its items/s.`,
    `Feeds: ${feeds.filter((d) => d.doc.url.includes('.atom')).length} of ${feeds.length} are Atom 1.0.`,
  ],
  machine: machine(),
});
