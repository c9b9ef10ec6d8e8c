import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { atomFeed } from '../../src/alerts/atom.js';
import { alertConfigFromEnv } from '../../src/alerts/config.js';
import { SubscriptionFilter, matchesAdmin, matchesCandidate } from '../../src/domain/alert-filter.js';
import type { MatchSubject } from '../../src/domain/alert-filter.js';
import { createMailSender } from '../../src/alerts/mailer.js';
import { currentPeriod, isoWeek } from '../../src/alerts/period.js';
import { alertLinks } from '../../src/alerts/relay.js';
import { groupEvents, htmlOf, subjectOf, textOf, webhookPayload } from '../../src/alerts/render.js';
import type { AlertMessage } from '../../src/alerts/render.js';
import { isValidEmail } from '../../src/alerts/subscriptions.js';
import { signWebhook, verifyWebhook } from '../../src/alerts/webhook.js';
import type { EventRow, SubscriptionRow } from '../../src/store/alerts.js';
import { decodeMimeWords, parseHeaders } from './servers.js';

const HOSTILE_NAME =
  'Evil\r\nBcc: victim@example.com\r\nX-Injected: 1 <img src=x onerror=alert(1)>\u202Egnp.exe';
const HOSTILE_TITLE = '<script>alert("x")</script> & ]]> \u0001\uD800 "citat"';

const subscription: SubscriptionRow = {
  id: '11111111-1111-4111-8111-111111111111',
  name: 'NPO Endokrina sjukdomar: <b>diabetes</b>',
  owner_name: 'Erik\r\nEk',
  owner_email: 'erik@example.se',
  filter: SubscriptionFilter.parse({ npo: ['Endokrina sjukdomar'], minBand: 'medel' }),
  channel: 'email',
  webhook_url: null,
  webhook_secret: null,
  unsubscribe_token: 'tok_abcdefghijklmnopqrstuvwxyz',
  created_at: new Date('2026-11-01T00:00:00Z'),
  owner_user_id: null,
  paused_at: null,
  updated_at: new Date('2026-11-01T00:00:00Z'),
};

function event(id: number, kind: EventRow['kind'], extra: Record<string, unknown> = {}): EventRow {
  return {
    outbox_id: String(id),
    event_id: String(id),
    kind,
    candidate_id: '22222222-2222-4222-8222-222222222222',
    run_id: null,
    source_id: null,
    created_at: new Date(`2026-11-2${id}T10:00:00Z`),
    details: {
      candidate: {
        id: '22222222-2222-4222-8222-222222222222',
        name: HOSTILE_NAME,
        manufacturer: 'Acme <AB>',
        kind: 'device',
        band: 'hög',
        total: 81,
        council: 'MTP-rådet',
      },
      evidence: [
        {
          sourceId: 'sbu-publications',
          title: HOSTILE_TITLE,
          url: 'javascript:alert(1)',
          publishedAt: '2026-11-20',
        },
        {
          sourceId: 'tlv',
          title: 'Hälsoekonomisk bedömning',
          url: 'https://www.tlv.se/a?b=1&c=2',
          publishedAt: null,
        },
      ],
      evidenceTotal: 5,
      evidenceChanged: 2,
      ...extra,
    },
  };
}

const message: AlertMessage = {
  deliveryId: '42',
  kind: 'single',
  subscription,
  groups: groupEvents([event(1, 'new-candidate'), event(2, 'band-raised', { previousBand: 'medel' })]),
  links: alertLinks('https://horisont.example.se', subscription),
};

describe('alert e-mail', () => {
  it('keeps CR/LF in scraped text out of the headers and escapes every scraped string (P6, P7)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'horisont-mail-'));
    try {
      const sender = createMailSender(alertConfigFromEnv({ HORISONT_MAILBOX_DIR: dir }))!;
      await sender.send({
        to: subscription.owner_email!,
        subject: subjectOf(message),
        text: textOf(message),
        html: htmlOf(message),
        messageId: '<alert-42@horisont>',
        unsubscribeUrl: message.links.unsubscribe,
      });
      sender.close();
      const [file] = readdirSync(dir);
      expect(file).toBe('alert-42_horisont.eml');
      const raw = readFileSync(path.join(dir, file!), 'utf8');
      const headers = parseHeaders(raw);
      expect(headers.has('bcc')).toBe(false);
      expect(headers.has('x-injected')).toBe(false);
      expect(headers.get('to')).toEqual(['erik@example.se']);
      expect(headers.get('message-id')).toEqual(['<alert-42@horisont>']);
      expect(headers.get('list-unsubscribe')?.[0]).toBe(
        '<https://horisont.example.se/prenumerationer/avsluta/tok_abcdefghijklmnopqrstuvwxyz>',
      );
      const subject = decodeMimeWords(headers.get('subject')![0]!);
      expect(subject).toBe(
        'Horisont: Ny kandidat – Evil Bcc: victim@example.com X-Injected: 1 <img src=x onerror=alert(1)> gnp.exe',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('renders HTML with scraped markup as text and non-http links as plain text', () => {
    const body = htmlOf(message);
    expect(body).not.toContain('<script');
    expect(body).not.toContain('<img');
    expect(body).not.toContain('javascript:');
    expect(body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(body).toContain('href="https://www.tlv.se/a?b=1&amp;c=2"');
    expect(body).toContain(
      'href="https://horisont.example.se/kandidater/22222222-2222-4222-8222-222222222222"',
    );
    expect(body).toContain('&lt;b&gt;diabetes&lt;/b&gt;');
  });

  it('says in Swedish what changed, per candidate, with links', () => {
    const text = textOf(message);
    expect(text).toContain('Hej Erik Ek,');
    expect(text).toContain('Ny kandidat: nivå hög, 81 poäng');
    expect(text).toContain('Prioritetsnivån höjd från medel till hög (81 poäng)');
    const evidence = textOf({
      ...message,
      groups: groupEvents([event(3, 'new-evidence'), event(4, 'new-evidence')]),
    });
    expect(evidence).toContain('Ny eller ändrad evidens: 2 källposter (av 5)');
    expect(evidence.match(/Ny eller ändrad evidens/g)).toHaveLength(1);
    expect(text).toContain(
      'Kandidatsidan: https://horisont.example.se/kandidater/22222222-2222-4222-8222-222222222222',
    );
    expect(text).toContain('Avsluta prenumerationen: https://horisont.example.se/prenumerationer/avsluta/');
    // One line per scraped field: no CR, no bidi override.
    expect(text).not.toMatch(/\r|\u202E/);
    expect(text).not.toContain('javascript:');
  });
});

describe('webhooks', () => {
  it('signs as Standard Webhooks specifies (the specification example)', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const body = '{"test": 2432232314}';
    expect(signWebhook(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, body)).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
    const headers = {
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    };
    expect(verifyWebhook(secret, headers, body, 300, 1614265330_000)).toBe(true);
    expect(verifyWebhook(secret, headers, `${body} `, 300, 1614265330_000)).toBe(false);
    // Too old: replay protection by the timestamp.
    expect(verifyWebhook(secret, headers, body, 300, 1614265330_000 + 301_000)).toBe(false);
  });

  it('carries the candidate, its events and links; the body is stable for retries', () => {
    const payload = webhookPayload(message);
    expect(payload.type).toBe('horisont.alert');
    expect(payload.timestamp).toBe('2026-11-22T10:00:00.000Z');
    expect(JSON.stringify(webhookPayload(message))).toBe(JSON.stringify(payload));
    const data = payload.data as {
      items: Array<{ type: string; events: unknown[]; candidate: { url: string } }>;
    };
    expect(data.items[0]!.type).toBe('new-candidate');
    expect(data.items[0]!.events).toHaveLength(2);
  });
});

describe('Atom feed', () => {
  it('is well-formed, drops characters XML forbids, and keeps scraped markup as text', () => {
    const xml = atomFeed({
      subscription: { ...subscription, channel: 'atom' },
      events: [event(2, 'band-raised', { previousBand: 'låg' }), event(1, 'new-candidate')],
      selfUrl: 'https://horisont.example.se/feeds/abc.atom',
      links: message.links,
      now: new Date('2026-11-23T00:00:00Z'),
    });
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).not.toContain('<script');
    expect(xml.includes('\u0001') || xml.includes('\uD800')).toBe(false);
    const feed = (
      new XMLParser({ ignoreAttributes: false, htmlEntities: false }).parse(xml) as {
        feed: {
          entry: Array<{ title: { '#text': string; '@_type': string }; content: { '#text': string } }>;
        };
      }
    ).feed;
    expect(feed.entry).toHaveLength(2);
    expect(feed.entry[0]!.title['@_type']).toBe('text');
    expect(feed.entry[0]!.content['#text']).toContain('<script>alert("x")</script> & ]]>');
  });
});

describe('subscription filters', () => {
  const subject = (over: Partial<MatchSubject> = {}): MatchSubject => ({
    band: 'medel',
    council: 'MTP-rådet',
    sourceIds: ['eudamed-devices', 'tlv'],
    emdnCodes: ['W0105010101'],
    texts: ['FreeStyle Libre 3', 'Kontinuerlig glukosmätning vid typ 1-diabetes'],
    npo: () => ['Endokrina sjukdomar'],
    ...over,
  });
  const f = (input: unknown) => SubscriptionFilter.parse(input);

  it('needs every given condition, any value within one', () => {
    expect(matchesCandidate(f({}), subject())).toBe(true);
    expect(matchesCandidate(f({ minBand: 'medel' }), subject())).toBe(true);
    expect(matchesCandidate(f({ minBand: 'hög' }), subject())).toBe(false);
    expect(matchesCandidate(f({ council: ['NT-rådet'] }), subject())).toBe(false);
    expect(matchesCandidate(f({ council: ['NT-rådet'] }), subject({ council: 'båda' }))).toBe(true);
    expect(matchesCandidate(f({ emdn: ['w01'] }), subject())).toBe(true);
    expect(matchesCandidate(f({ emdn: ['J'] }), subject())).toBe(false);
    expect(matchesCandidate(f({ keywords: ['glukosmät*'] }), subject())).toBe(true);
    expect(matchesCandidate(f({ keywords: ['glucose', 'blodsocker'] }), subject())).toBe(false);
    expect(matchesCandidate(f({ sources: ['sbu-publications', 'tlv'] }), subject())).toBe(true);
    expect(matchesCandidate(f({ npo: ['Endokrina sjukdomar'], minBand: 'hög' }), subject())).toBe(false);
    expect(matchesCandidate(f({ npo: ['Cancersjukdomar', 'Endokrina sjukdomar'] }), subject())).toBe(true);
  });

  it('computes programme areas only when a filter asks for them', () => {
    let calls = 0;
    const s = subject({ npo: () => (calls++, ['Endokrina sjukdomar']) });
    matchesCandidate(f({ minBand: 'hög', npo: ['Endokrina sjukdomar'] }), s);
    expect(calls).toBe(0);
  });

  it('refuses unknown programme areas, bad EMDN prefixes and event kinds', () => {
    expect(SubscriptionFilter.safeParse({ npo: ['Diabetes'] }).success).toBe(false);
    expect(SubscriptionFilter.safeParse({ emdn: ['W01; drop'] }).success).toBe(false);
    expect(SubscriptionFilter.safeParse({ events: ['everything'] }).success).toBe(false);
    expect(SubscriptionFilter.safeParse({ extra: 1 }).success).toBe(false);
  });

  it('sends operator events only to subscriptions that ask for them', () => {
    expect(matchesAdmin(f({}), 'source-broken', 'tlv')).toBe(false);
    expect(matchesAdmin(f({ events: ['source-broken'] }), 'source-broken', 'tlv')).toBe(true);
    expect(
      matchesAdmin(f({ events: ['source-broken'], sources: ['sbu-publications'] }), 'source-broken', 'tlv'),
    ).toBe(false);
  });

  it('accepts only bare e-mail addresses', () => {
    expect(isValidEmail('anna.andersson@regionhalland.se')).toBe(true);
    for (const bad of [
      'Anna <a@b.se>',
      'a@b.se, c@d.se',
      'a@b.se\r\nBcc: x@y.se',
      'a@good.se(x)evil.se',
      '"a"@b.se',
      'a@b',
    ]) {
      expect(isValidEmail(bad), bad).toBe(false);
    }
  });
});

describe('digest periods (Europe/Stockholm)', () => {
  const tz = 'Europe/Stockholm';
  it('starts weekly periods on Monday at the digest hour, local time', () => {
    // Monday 23 November 2026, 06:59 local (UTC+1) is still last week's period.
    expect(currentPeriod(new Date('2026-11-23T05:59:00Z'), 'weekly', 7, tz).key).toBe('weekly 2026-W47');
    const monday = currentPeriod(new Date('2026-11-23T06:00:00Z'), 'weekly', 7, tz);
    expect(monday.key).toBe('weekly 2026-W48');
    expect(monday.start.toISOString()).toBe('2026-11-23T06:00:00.000Z');
    expect(currentPeriod(new Date('2026-11-29T22:00:00Z'), 'weekly', 7, tz).key).toBe('weekly 2026-W48');
  });

  it('follows summer time', () => {
    const daily = currentPeriod(new Date('2026-07-01T05:30:00Z'), 'daily', 7, tz);
    expect(daily.start.toISOString()).toBe('2026-07-01T05:00:00.000Z');
    expect(daily.key).toBe('daily 2026-07-01');
    expect(currentPeriod(new Date('2026-07-01T04:59:00Z'), 'daily', 7, tz).key).toBe('daily 2026-06-30');
  });

  it('numbers ISO weeks across the year end', () => {
    expect(isoWeek('2026-12-31')).toBe('2026-W53');
    expect(isoWeek('2027-01-04')).toBe('2027-W01');
    expect(isoWeek('2025-12-29')).toBe('2026-W01');
  });
});
