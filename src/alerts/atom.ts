import type { EventRow, SubscriptionRow } from '../store/alerts.js';
import type { AlertLinks } from './render.js';
import { entryOf } from './render.js';
import { oneLine } from '../text/one-line.js';
import { xmlText } from '../text/xml.js';

/**
 * One Atom feed (RFC 4287) per subscription. Every scraped field is `type="text"`: a reader shows
 * `<script>` in a product name as those characters, never as markup.
 */
export function atomFeed(input: {
  subscription: SubscriptionRow;
  events: readonly EventRow[];
  selfUrl: string;
  links: AlertLinks;
  now: Date;
}): string {
  const { subscription, events, links } = input;
  const updated = (events[0]?.created_at ?? subscription.created_at ?? input.now).toISOString();
  const entries = events.map((event) => {
    const entry = entryOf(event, links);
    return [
      '  <entry>',
      `    <id>urn:horisont:alert:${xmlText(event.outbox_id)}</id>`,
      `    <title type="text">${xmlText(oneLine(entry.title, 300))}</title>`,
      `    <updated>${event.created_at.toISOString()}</updated>`,
      `    <link rel="alternate" type="text/html" href="${xmlText(entry.link)}"/>`,
      `    <category term="${xmlText(event.kind)}"/>`,
      `    <summary type="text">${xmlText(oneLine(entry.lines[0] ?? entry.title, 500))}</summary>`,
      `    <content type="text">${xmlText(entry.lines.join('\n'))}</content>`,
      '  </entry>',
    ].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="sv">',
    `  <id>urn:horisont:subscription:${xmlText(subscription.id)}</id>`,
    `  <title type="text">${xmlText(`Horisont – ${oneLine(subscription.name, 200)}`)}</title>`,
    `  <subtitle type="text">${xmlText('Nya och ändrade kandidater för nationellt ordnat införande')}</subtitle>`,
    `  <updated>${updated}</updated>`,
    '  <author><name>Horisont</name></author>',
    `  <link rel="self" type="application/atom+xml" href="${xmlText(input.selfUrl)}"/>`,
    '  <generator>Horisont</generator>',
    ...entries,
    '</feed>',
    '',
  ].join('\n');
}
