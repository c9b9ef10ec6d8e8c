import { describe, expect, it } from 'vitest';
import { HorisontError } from '../../domain/errors.js';
import type { ErrorKind } from '../../domain/errors.js';
import { RECORDINGS_DIR, fixtureDocument, listFixtures } from '../../fixtures/documents.js';
import { EurlexOjOptions, eurlexOj } from './eurlex-oj.js';
import type { FetchedDocument, SourceSpec } from '../types.js';

const FEED = 'https://eur-lex.europa.eu/EN/display-feed.rss?rssId=222';

const fixtures = new Map(listFixtures(RECORDINGS_DIR, 'eurlex-oj').map((f) => [f.name, f]));
function fixture(name: string): FetchedDocument {
  const found = fixtures.get(`eurlex-oj/${name}`);
  if (!found) throw new Error(`no fixture ${name}`);
  return fixtureDocument(found);
}

function spec(options: Record<string, unknown> = {}): SourceSpec<EurlexOjOptions> {
  return { id: 'eurlex-oj', urls: [FEED], options: EurlexOjOptions.parse(options) };
}

function xml(body: string, url = FEED): FetchedDocument {
  return {
    request: { key: 'feed', url },
    url,
    status: 200,
    headers: { 'content-type': 'application/rss+xml;charset=UTF-8' },
    body: Buffer.from(body, 'utf8'),
    fetchedAt: '2026-11-20T01:00:00Z',
  };
}

function rss(items: string, prolog = ''): string {
  return `<?xml version="1.0" encoding="UTF-8"?>${prolog}<rss version="2.0"><channel><title>t</title>${items}</channel></rss>`;
}

function errorKindOf(run: () => unknown): ErrorKind | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof HorisontError) return error.kind;
    throw error;
  }
  return undefined;
}

describe('eurlex-oj options and requests', () => {
  it('defaults to the MDR/IVDR keywords', () => {
    expect(EurlexOjOptions.parse({}).keywords).toEqual([
      '2017/745',
      '2017/746',
      'medical device',
      'in vitro diagnostic',
    ]);
  });

  it('asks for RSS or Atom with a key without ":"', () => {
    expect(eurlexOj.requests(spec())).toEqual([
      {
        key: 'list-en-display-feed-rss-rssid-222',
        url: FEED,
        accept: 'application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8',
      },
    ]);
  });
});

describe('eurlex-oj parse: the recorded Official Journal L feed', () => {
  const { items, next } = eurlexOj.parse(fixture('oj-l'), spec());

  it('keeps the four device acts of thirteen, in feed order, without a next page', () => {
    expect(items.map((item) => item.itemKey)).toEqual([
      '32026R2291',
      '32026D2304',
      '32026R2247',
      '32017R0745R(07)',
    ]);
    expect(next).toBeUndefined();
  });

  it('maps an item to a regulation keyed by CELEX, with the OJ date and the acts it names', () => {
    expect(items[0]).toEqual({
      itemKey: '32026R2291',
      kind: 'regulation',
      title:
        'Commission Implementing Regulation (EU) 2026/2291 of 17 November 2026 amending Implementing Regulation (EU) 2017/2185 as regards the list of codes and corresponding types of devices for the purpose of specifying the scope of the designation as notified bodies in the field of medical devices under Regulation (EU) 2017/745 and in vitro diagnostic medical devices under Regulation (EU) 2017/746',
      url: 'https://eur-lex.europa.eu/legal-content/AUTO/?uri=CELEX:32026R2291',
      publishedAt: '2026-11-20',
      language: 'en',
      publicationType: 'Commission Implementing Regulation',
      references: [
        { scheme: 'celex', value: '32026R2291' },
        { scheme: 'celex', value: '32017R0745' },
        { scheme: 'celex', value: '32017R0746' },
      ],
    });
  });

  it('keeps a corrigendum of the MDR by its CELEX number and titles it from the description', () => {
    const corrigendum = items[3]!;
    expect(corrigendum.title.startsWith('Corrigendum to Regulation (EU) 2017/745')).toBe(true);
    expect(corrigendum.summary).toBeUndefined();
    expect(corrigendum.publicationType).toBe('Corrigendum');
    expect(corrigendum.references).toEqual([
      { scheme: 'celex', value: '32017R0745R(07)' },
      { scheme: 'celex', value: '32017R0745' },
    ]);
  });

  it('keeps every act with an empty keyword list, decoding character references', () => {
    const all = eurlexOj.parse(fixture('oj-l'), spec({ keywords: [] })).items;
    expect(all).toHaveLength(13);
    expect(all[0]!.title).toContain('People’s Republic of China');
    const bare = all.find((item) => item.itemKey === '32024R1860R(01)');
    expect(bare?.title).toBe('The corrigendum does not concern the English language version.');
    expect(all.find((item) => item.itemKey === '32026O0041')?.publicationType).toBe('Guideline');
  });

  it('matches configured keywords case-insensitively', () => {
    const toys = eurlexOj.parse(fixture('oj-l'), spec({ keywords: ['TOYS'] })).items;
    expect(toys.map((item) => item.itemKey)).toEqual(['32026L2270']);
    const byNumber = eurlexOj.parse(fixture('oj-l'), spec({ keywords: ['2024/1860'] })).items;
    expect(byNumber.map((item) => item.itemKey)).toEqual(['32024R1860R(01)']);
  });

  it('reads the same feed served from the fixture server', () => {
    const local = 'http://127.0.0.1:4010/eur-lex.europa.eu/EN/display-feed.rss?rssId=222';
    const doc = { ...fixture('oj-l'), request: { key: 'feed', url: local }, url: local };
    expect(eurlexOj.parse(doc, spec()).items).toEqual(items);
  });
});

describe('eurlex-oj parse: feed variants', () => {
  it('reads a saved-search item whose title carries no CELEX prefix', () => {
    const { items } = eurlexOj.parse(
      xml(
        rss(`<item><title>Regulation (EU) 2026/0012 amending Regulation (EU) 2017/746 as regards &amp;c.</title>
          <link>https://eur-lex.europa.eu/legal-content/SV/TXT/?uri=CELEX%3A32026R0012</link>
          <guid>urn:x</guid><pubDate>Mon, 12 Jan 2026 00:00:00 +0100</pubDate>
          <description><![CDATA[<p>Ändring av <b>IVDR</b></p>]]></description></item>`),
        'https://eur-lex.europa.eu/SV/display-feed.rss?myRssId=abc',
      ),
      spec(),
    );
    expect(items).toEqual([
      {
        itemKey: '32026R0012',
        kind: 'regulation',
        title: 'Regulation (EU) 2026/0012 amending Regulation (EU) 2017/746 as regards &c.',
        url: 'https://eur-lex.europa.eu/legal-content/SV/TXT/?uri=CELEX%3A32026R0012',
        publishedAt: '2026-01-12',
        summary: 'Ändring av IVDR',
        language: 'sv',
        publicationType: 'Regulation',
        references: [
          { scheme: 'celex', value: '32026R0012' },
          { scheme: 'celex', value: '32017R0746' },
        ],
      },
    ]);
  });

  it('keys an item without CELEX by its guid and leaves a missing date out', () => {
    const { items } = eurlexOj.parse(
      xml(
        rss(
          '<item><title>Notice on medical devices</title><guid>https://eur-lex.europa.eu/x/1</guid></item>',
        ),
      ),
      spec(),
    );
    expect(items).toEqual([
      {
        itemKey: 'https://eur-lex.europa.eu/x/1',
        kind: 'regulation',
        title: 'Notice on medical devices',
        url: 'https://eur-lex.europa.eu/x/1',
        language: 'en',
        publicationType: 'Notice',
      },
    ]);
  });

  it('lists an act twice in one feed once', () => {
    const item =
      '<item><title>CELEX:32026R0001: Medical devices act</title><link>https://eur-lex.europa.eu/a</link></item>';
    expect(eurlexOj.parse(xml(rss(item + item)), spec()).items).toHaveLength(1);
  });

  it('does not expand DOCTYPE entities (no entity-expansion blow-up)', () => {
    const bomb = `<!DOCTYPE rss [<!ENTITY a "medical device medical device medical device"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>`;
    const started = performance.now();
    const result = (() => {
      try {
        return eurlexOj.parse(
          xml(
            rss(
              '<item><title>CELEX:32026R0002: &d;</title><link>https://eur-lex.europa.eu/b</link></item>',
              bomb,
            ),
          ),
          spec({ keywords: [] }),
        );
      } catch (error) {
        return error;
      }
    })();
    expect(performance.now() - started).toBeLessThan(1000);
    if (result instanceof HorisontError) {
      expect(['parse', 'schema', 'schema-drift']).toContain(result.kind);
    } else {
      const title = (result as { items: Array<{ title: string }> }).items[0]?.title ?? '';
      expect(title.length).toBeLessThan(100);
      expect(title).not.toContain('medical device medical device');
    }
  });
});

function atom(entries: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en"><title>OJ L</title><id>urn:oj-l</id>
<updated>2026-11-20T06:00:00Z</updated><link rel="self" href="https://eur-lex.europa.eu/oj-l.atom"/>${entries}</feed>`;
}

describe('eurlex-oj parse: Atom 1.0', () => {
  it('reads an entry as the same item its RSS form gives', () => {
    const fromAtom = eurlexOj.parse(
      xml(
        atom(`<entry>
          <title type="html">CELEX:32026R0012: Regulation (EU) 2026/0012 amending Regulation (EU) 2017/746 as regards &amp;amp;c.</title>
          <link rel="related" href="https://eur-lex.europa.eu/eli/reg/2026/12/oj"/>
          <link href="https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX%3A32026R0012"/>
          <id>urn:x</id><updated>2026-01-14T08:00:00Z</updated><published>2026-01-12T00:00:00+01:00</published>
          <summary type="html">&lt;p&gt;Amendment of the &lt;b&gt;IVDR&lt;/b&gt;&lt;/p&gt;</summary></entry>`),
      ),
      spec(),
    ).items;
    const fromRss = eurlexOj.parse(
      xml(
        rss(`<item><title>CELEX:32026R0012: Regulation (EU) 2026/0012 amending Regulation (EU) 2017/746 as regards &amp;amp;c.</title>
          <link>https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX%3A32026R0012</link>
          <guid>urn:x</guid><pubDate>Mon, 12 Jan 2026 00:00:00 +0100</pubDate>
          <description><![CDATA[<p>Amendment of the <b>IVDR</b></p>]]></description></item>`),
      ),
      spec(),
    ).items;
    expect(fromAtom).toEqual(fromRss);
    expect(fromAtom[0]).toMatchObject({
      itemKey: '32026R0012',
      url: 'https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX%3A32026R0012',
      summary: 'Amendment of the IVDR',
      publishedAt: '2026-01-12',
    });
  });

  it('prefers summary to content and published to updated, in whatever order they come', () => {
    const [item] = eurlexOj.parse(
      xml(
        atom(`<entry><title>Notice on medical devices</title><id>https://eur-lex.europa.eu/x/2</id>
          <content type="text">The full text</content><updated>2026-03-04T10:00:00Z</updated>
          <summary>The summary</summary><published>2026-03-02T10:00:00Z</published></entry>`),
      ),
      spec(),
    ).items;
    expect(item).toMatchObject({ summary: 'The summary', publishedAt: '2026-03-02' });
    const [fallback] = eurlexOj.parse(
      xml(
        atom(`<entry><title>Notice on medical devices</title><id>https://eur-lex.europa.eu/x/3</id>
          <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Two</p><p>paragraphs</p></div></content>
          <updated>2026-03-04T10:00:00Z</updated></entry>`),
      ),
      spec(),
    ).items;
    expect(fallback).toMatchObject({
      itemKey: 'https://eur-lex.europa.eu/x/3',
      url: 'https://eur-lex.europa.eu/x/3',
      summary: 'Two paragraphs',
      publishedAt: '2026-03-04',
    });
  });

  it('refuses an entry with a repeated element, markup in its title or nothing in it, and a feed outside Atom', () => {
    const twice = '<entry><title>Medical devices</title><title>Again</title><id>urn:a</id></entry>';
    expect(errorKindOf(() => eurlexOj.parse(xml(atom(twice)), spec()))).toBe('schema-drift');
    const markup = '<entry><title>Medical <b>devices</b></title><id>urn:b</id></entry>';
    expect(errorKindOf(() => eurlexOj.parse(xml(atom(markup)), spec()))).toBe('schema-drift');
    expect(errorKindOf(() => eurlexOj.parse(xml(atom('<entry/>')), spec()))).toBe('schema-drift');
    const other =
      '<?xml version="1.0"?><feed xmlns="http://example.org/not-atom"><entry><title>x</title></entry></feed>';
    expect(errorKindOf(() => eurlexOj.parse(xml(other), spec()))).toBe('schema-drift');
    expect(errorKindOf(() => eurlexOj.parse(xml(atom('<entry><title>x</title>')), spec()))).toBe('parse');
  });
});

describe('eurlex-oj parse: empty and broken documents', () => {
  it.each(['edge/empty-channel', 'edge/no-device-acts'])('%s → no items', (name) => {
    expect(eurlexOj.parse(fixture(name), spec()).items).toEqual([]);
  });

  it('reads the AWS WAF challenge as blocked', () => {
    expect(errorKindOf(() => eurlexOj.parse(fixture('edge/waf-challenge'), spec()))).toBe('blocked');
  });

  it('reads truncated XML as parse, without the body in the message', () => {
    expect.assertions(3);
    expect(errorKindOf(() => eurlexOj.parse(fixture('edge/truncated'), spec()))).toBe('parse');
    try {
      eurlexOj.parse(fixture('edge/truncated'), spec());
    } catch (error) {
      expect((error as Error).message).toMatch(/^parse\(eurlex-oj\): malformed XML/);
      expect((error as Error).message).not.toContain('CELEX');
    }
  });

  it('tells other HTML, other XML and nothing apart', () => {
    expect(
      errorKindOf(() => eurlexOj.parse(xml('<!DOCTYPE html><html><body>Error</body></html>'), spec())),
    ).toBe('parse');
    expect(errorKindOf(() => eurlexOj.parse(xml('<?xml version="1.0"?><feed><entry/></feed>'), spec()))).toBe(
      'schema-drift',
    );
    expect(errorKindOf(() => eurlexOj.parse(xml(''), spec()))).toBe('empty-body');
    expect(errorKindOf(() => eurlexOj.parse(xml(rss(' '.repeat(5_000_001))), spec()))).toBe('too-large');
    expect(errorKindOf(() => eurlexOj.parse(xml(rss('<item/>')), spec()))).toBe('schema-drift');
  });
});
