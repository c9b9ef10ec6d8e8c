import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { startReceiver, startSmtpSink, waitFor } from './servers.js';
import type { SmtpSink, WebhookReceiver } from './servers.js';
import type { AppContext } from '../../src/app/context.js';
import { alertRelayOf } from '../../src/alerts/index.js';
import { ALERT_QUEUE } from '../../src/alerts/relay.js';
import { addSubscription } from '../../src/alerts/subscriptions.js';
import type { AddedSubscription, NewSubscriptionInput } from '../../src/alerts/subscriptions.js';
import { verifyWebhook } from '../../src/alerts/webhook.js';
import { buildWebApp } from '../../src/api/app.js';

// Real Redis, PostgreSQL, SMTP server and HTTP receiver on loopback; nothing mocked. The app's
// own relay (started with the workers) delivers, woken through BullMQ and NOTIFY.
let h: Harness;
let app: AppContext;
let smtp: SmtpSink;
let hook: WebhookReceiver;
const subs: Record<string, AddedSubscription> = {};
const ORIGIN = 'https://horisont.example.se';

async function add(key: string, input: NewSubscriptionInput): Promise<void> {
  subs[key] = await addSubscription(app.db, input, {
    publicOrigin: ORIGIN,
    allowPrivate: [hook.host],
  });
}

beforeAll(async () => {
  smtp = await startSmtpSink();
  hook = await startReceiver();
  Object.assign(process.env, {
    NODE_ENV: 'test',
    HORISONT_SMTP_URL: smtp.url,
    HORISONT_ALLOW_PRIVATE_HOSTS: hook.host,
    HORISONT_ALERT_SWEEP_SECONDS: '0.5',
    HORISONT_PUBLIC_ORIGIN: ORIGIN,
    HORISONT_ALERT_STORM_LIMIT: '5',
  });
  h = await createHarness();
  app = await h.app();
  await add('all', {
    name: 'Allt nytt',
    ownerName: 'Beredningen',
    ownerEmail: 'alla@example.se',
    channel: 'email',
    filter: {},
  });
  await add('libre', {
    name: 'Glukossensorer',
    ownerName: 'Anna Andersson',
    ownerEmail: 'anna@example.se',
    channel: 'email',
    filter: { keywords: ['libre'] },
  });
  await add('hook', {
    name: 'NPO-systemet',
    ownerName: 'NPO Endokrina sjukdomar',
    channel: 'webhook',
    webhookUrl: hook.url,
    filter: { keywords: ['libre'] },
  });
  await add('atom', {
    name: 'Flöde: glukos',
    ownerName: 'Berit',
    channel: 'atom',
    filter: { keywords: ['libre'] },
  });
  await add('weekly', {
    name: 'NPO Endokrina sjukdomar: diabetesprodukter',
    ownerName: 'Erik Ek',
    ownerEmail: 'erik@example.se',
    channel: 'email-weekly',
    filter: { npo: ['Endokrina sjukdomar'], council: ['MTP-rådet'], minBand: 'medel' },
  });
  await add('admin', {
    name: 'Drift',
    ownerName: 'IT',
    ownerEmail: 'drift@example.se',
    channel: 'email',
    filter: { events: ['source-broken', 'run-failed'] },
  });
});

afterAll(async () => {
  await h?.close();
  const queue = new Queue(ALERT_QUEUE, { connection: { url: h.env.REDIS_URL }, prefix: h.prefix });
  await queue.obliterate({ force: true });
  await queue.close();
  await smtp?.close();
  await hook?.close();
});

async function settled(): Promise<void> {
  await waitFor('alerts to be delivered', async () => {
    const [row] = await h.query<{ open: number; pending: number }>(
      `select (select count(*)::int from alert_deliveries where status = 'pending') as open,
              (select count(*)::int from alert_outbox o join subscriptions s on s.id = o.subscription_id
                where o.status = 'pending' and s.channel in ('email', 'webhook')) as pending`,
    );
    return row!.open === 0 && row!.pending === 0;
  });
}

async function deliveries(key: string) {
  return h.query<{ id: string; kind: string; status: string; attempts: number }>(
    'select id, kind, status, attempts from alert_deliveries where subscription_id = $1 order by id',
    [subs[key]!.subscription.id],
  );
}

function mailTo(address: string) {
  return smtp.messages.filter((m) => m.to.includes(address));
}

function decodedBody(raw: string): string {
  // Quoted-printable soft breaks and escapes, enough to read the plain and HTML parts.
  return raw
    .replace(/=\r?\n/g, '')
    .replace(/(?:=[0-9A-F]{2})+/g, (m) => Buffer.from(m.replace(/=/g, ''), 'hex').toString('utf8'));
}

describe('alerts on a scan of the recorded sources', () => {
  it('delivers every alert once: singles, a storm as one digest, signed webhooks, an Atom feed', async () => {
    const summary = await h.scan();
    expect(summary.status).toBe('completed');
    await settled();

    // More than five candidates in one run for "everything": one digest, not a storm of mail.
    const all = await deliveries('all');
    expect(all.map((d) => [d.kind, d.status])).toEqual([['storm', 'sent']]);
    const allMail = mailTo('alla@example.se');
    expect(allMail).toHaveLength(1);
    expect(allMail[0]!.messageId).toBe(`<alert-${all[0]!.id}@horisont>`);

    // Keyword subscription: one message per candidate, each once, with a deterministic Message-ID.
    const libre = await deliveries('libre');
    expect(libre.length).toBeGreaterThan(0);
    expect(libre.length).toBeLessThanOrEqual(5);
    expect(libre.map((d) => [d.kind, d.status, d.attempts])).toEqual(libre.map(() => ['single', 'sent', 1]));
    const libreMail = mailTo('anna@example.se');
    expect(libreMail.map((m) => m.messageId).sort()).toEqual(
      libre.map((d) => `<alert-${d.id}@horisont>`).sort(),
    );
    for (const mail of libreMail) {
      expect(mail.subject).toMatch(/^Horisont: /);
      expect(mail.headers.get('list-unsubscribe')?.[0]).toContain(`${ORIGIN}/prenumerationer/avsluta/`);
      const body = decodedBody(mail.raw);
      expect(body).toContain(`${ORIGIN}/kandidater/`);
      expect(body).toContain('Content-Type: text/plain');
      expect(body).toContain('Content-Type: text/html');
      expect(body).toContain('Avsluta prenumerationen');
    }

    // Webhooks: Standard Webhooks headers, valid signature, one id per delivery.
    const hooks = await deliveries('hook');
    expect(hook.requests).toHaveLength(hooks.length);
    for (const request of hook.requests) {
      expect(verifyWebhook(subs.hook!.webhookSecret!, request.headers, request.body)).toBe(true);
      expect(request.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      const payload = JSON.parse(request.body) as {
        type: string;
        data: { items: Array<{ candidate: { url: string } }> };
      };
      expect(payload.type).toBe('horisont.alert');
      expect(payload.data.items[0]!.candidate.url).toMatch(new RegExp(`^${ORIGIN}/kandidater/`));
    }
    expect(hook.requests.map((r) => r.headers['webhook-id']).sort()).toEqual(
      hooks.map((d) => `alert-${d.id}`).sort(),
    );

    // The weekly digest is not due yet; the operator has nothing to hear about.
    expect(await deliveries('weekly')).toEqual([]);
    expect(await deliveries('admin')).toEqual([]);
  });

  it('the same scan again sends nothing new', async () => {
    const before = {
      mail: smtp.messages.length,
      hooks: hook.requests.length,
      outbox: await h.query('select id from alert_outbox order by id'),
      events: await h.query('select id from candidate_events order by id'),
    };
    const summary = await h.scan();
    expect(summary.sources.every((s) => s.status === 'unchanged')).toBe(true);
    await alertRelayOf(app)!.drain();
    await settled();
    expect(await h.query('select id from candidate_events order by id')).toEqual(before.events);
    expect(await h.query('select id from alert_outbox order by id')).toEqual(before.outbox);
    expect(smtp.messages.length).toBe(before.mail);
    expect(hook.requests.length).toBe(before.hooks);
  });

  it('new evidence with hostile markup alerts once, escaped in e-mail and as text in Atom', async () => {
    const mailBefore = mailTo('anna@example.se').length;
    const file = path.join(h.fixturesDir, 'sbu-publications', 'regional-hta.html');
    const page = readFileSync(file, 'utf8');
    const hostile =
      'FreeStyle Libre 3 &lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(2)&gt;';
    const added = `<li class="search-result-list__item">
              <article class="search-hit">
                <div class="search-hit__header">
                  <span class="search-hit__type">Regional HTA</span>
                  <span class="search-hit__date">Publicerad: 20 november 2026</span>
                </div>
                <h3 class="search-hit__heading">
                  <a class="search-hit__link" href="/sv/publikationer/regional-hta/freestyle-libre-3-graviditet/">${hostile}</a>
                </h3>
                <p class="search-hit__organisation">Region Östergötland</p>
                <p class="search-hit__excerpt">Kontinuerlig glukosmätning under graviditet.</p>
              </article>
            </li>
            `;
    const marker = '<li class="search-result-list__item">';
    writeFileSync(file, page.replace(marker, added + marker));
    await h.scan();
    await settled();

    const [event] = await h.query<{ kind: string; details: { evidence: Array<{ title: string }> } }>(
      `select kind, details from candidate_events where details::text like '%onerror%'`,
    );
    expect(event!.kind).toBe('new-evidence');
    expect(event!.details.evidence.map((e) => e.title)).toContain(
      'FreeStyle Libre 3 <script>alert(1)</script> & <img src=x onerror=alert(2)>',
    );

    const libreMail = mailTo('anna@example.se');
    expect(libreMail).toHaveLength(mailBefore + 1);
    const body = decodedBody(libreMail[libreMail.length - 1]!.raw);
    const htmlPart = body.slice(body.indexOf('Content-Type: text/html'));
    expect(htmlPart).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(htmlPart).not.toContain('<script>');
    expect(htmlPart).not.toMatch(/<img/i);

    // The Atom feed at its secret URL: well-formed, the markup is text in a type="text" title.
    const web = await buildWebApp(app, { publicOrigin: ORIGIN });
    try {
      const feedPath = new URL(subs.atom!.feedUrl!).pathname;
      const response = await web.inject({ method: 'GET', url: feedPath });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
      expect(XMLValidator.validate(response.body)).toBe(true);
      const parsed = new XMLParser({
        ignoreAttributes: false,
        processEntities: true,
        htmlEntities: false,
      }).parse(response.body) as {
        feed: {
          entry: Array<{ title: { '#text': string; '@_type': string }; content: { '#text': string } }>;
        };
      };
      const entries = [parsed.feed.entry].flat();
      expect(entries.length).toBeGreaterThan(1);
      expect(entries.every((e) => e.title['@_type'] === 'text')).toBe(true);
      const hostileEntry = entries.find((e) => e.content['#text'].includes('onerror'));
      expect(hostileEntry?.content['#text']).toContain('<script>alert(1)</script>');
      expect(response.body).not.toContain('<script>');

      // A reader polling with the validators it was given gets 304 and no body while nothing changed.
      const { etag, 'last-modified': lastModified } = response.headers;
      expect(etag).toMatch(/^"[\w-]{32}"$/);
      expect(new Date(String(lastModified)).getTime()).not.toBeNaN();
      const again = await web.inject({
        method: 'GET',
        url: feedPath,
        headers: { 'if-none-match': String(etag) },
      });
      expect(again.statusCode).toBe(304);
      expect(again.body).toBe('');
      expect(again.headers.etag).toBe(etag);
      const weak = await web.inject({
        method: 'GET',
        url: feedPath,
        headers: { 'if-none-match': `"x", W/${etag}` },
      });
      expect(weak.statusCode).toBe(304);
      const since = await web.inject({
        method: 'GET',
        url: feedPath,
        headers: { 'if-modified-since': String(lastModified) },
      });
      expect(since.statusCode).toBe(304);
      const older = await web.inject({
        method: 'GET',
        url: feedPath,
        headers: { 'if-modified-since': new Date(Date.parse(String(lastModified)) - 1000).toUTCString() },
      });
      expect(older.statusCode).toBe(200);
      const otherTag = await web.inject({
        method: 'GET',
        url: feedPath,
        headers: { 'if-none-match': '"stale"', 'if-modified-since': String(lastModified) },
      });
      // If-None-Match decides when both are sent (RFC 9110 §13.2.2).
      expect(otherTag.statusCode).toBe(200);

      // A wrong token is a plain 404, and so is a removed subscription's feed.
      expect(
        (await web.inject({ method: 'GET', url: '/feeds/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.atom' })).statusCode,
      ).toBe(404);
    } finally {
      await web.close();
    }
  });

  it('a weekly digest groups by candidate what changed; a broken source reaches the operator', async () => {
    const summaryFile = path.join(h.fixturesDir, 'tlv', 'halsoekonomiska-bedomningar.html');
    writeFileSync(
      summaryFile,
      '<html><body><h1>Sidan har flyttat</h1><p>Vi har gjort om vår webbplats.</p></body></html>',
    );
    const run = await h.scan();
    expect(run.sources.find((s) => s.source_id === 'tlv')?.status).toBe('broken');
    await settled();
    const admin = mailTo('drift@example.se');
    expect(admin).toHaveLength(1);
    expect(admin[0]!.subject).toBe('Horisont drift: källan tlv är trasig');

    await alertRelayOf(app)!.drain({ flushDigests: true });
    await settled();
    const weekly = await deliveries('weekly');
    expect(weekly.map((d) => [d.kind, d.status])).toEqual([['digest', 'sent']]);
    const [digest] = mailTo('erik@example.se');
    expect(digest!.subject).toMatch(/^Horisont: veckovis sammanfattning/);
    const text = decodedBody(digest!.raw);
    expect(text).toContain('Veckovis sammanfattning');
    // One section per candidate, each with its changes listed under it.
    const sections = text.split('\n').filter((line) => line.startsWith('■ '));
    expect(sections.length).toBeGreaterThan(0);
    expect(new Set(sections).size).toBe(sections.length);
  });

  it('unsubscribing removes the subscription and its pending alerts', async () => {
    const web = await buildWebApp(app, { publicOrigin: ORIGIN });
    try {
      const [row] = await h.query<{ unsubscribe_token: string }>(
        'select unsubscribe_token from subscriptions where id = $1',
        [subs.libre!.subscription.id],
      );
      const url = `/prenumerationer/avsluta/${row!.unsubscribe_token}`;
      const page = await web.inject({ method: 'GET', url });
      expect(page.statusCode).toBe(200);
      // A GET (a mail system's link scanner) changes nothing.
      expect(
        await h.query('select 1 from subscriptions where id = $1', [subs.libre!.subscription.id]),
      ).toHaveLength(1);
      const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
      const cookie = String(page.headers['set-cookie']).split(';')[0]!;
      const done = await web.inject({
        method: 'POST',
        url,
        headers: { cookie, origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
        payload: `_csrf=${encodeURIComponent(csrf)}`,
      });
      expect(done.statusCode).toBe(200);
      expect(
        await h.query('select 1 from subscriptions where id = $1', [subs.libre!.subscription.id]),
      ).toEqual([]);
      expect(
        await h.query('select 1 from alert_outbox where subscription_id = $1', [subs.libre!.subscription.id]),
      ).toEqual([]);
      expect((await web.inject({ method: 'GET', url })).statusCode).toBe(404);
    } finally {
      await web.close();
    }
  });
});
