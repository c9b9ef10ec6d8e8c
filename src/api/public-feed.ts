import { xmlText } from '../text/xml.js';
import { oneLine } from '../text/one-line.js';
import { CASE_ACTION_LABELS, CASE_STATUS_LABELS, describeCaseEvent } from '../domain/cases.js';
import type { PublicEventRow } from '../store/cases.js';

/**
 * The public Atom feed (RFC 4287) of case changes: one entry per public event, newest first.
 * Every field is `type="text"`, so a product name with markup in it stays characters.
 */
export function publicCaseFeed(input: {
  events: readonly PublicEventRow[];
  origin: string;
  now: Date;
}): string {
  const { events, origin } = input;
  const updated = (events[0]?.createdAt ?? input.now).toISOString();
  const entries = events.map((event) => {
    const lines = describeCaseEvent(event.action, event.payload, event.after);
    const link = `${origin}/arenden/${encodeURIComponent(event.caseNumber)}#handelse-${event.id}`;
    const title = `${event.caseNumber} ${event.title}: ${CASE_ACTION_LABELS[event.action]}`;
    return [
      '  <entry>',
      `    <id>urn:horisont:case-event:${xmlText(event.id)}</id>`,
      `    <title type="text">${xmlText(oneLine(title, 300))}</title>`,
      `    <updated>${event.createdAt.toISOString()}</updated>`,
      `    <link rel="alternate" type="text/html" href="${xmlText(link)}"/>`,
      `    <category term="${xmlText(event.after.status)}" label="${xmlText(CASE_STATUS_LABELS[event.after.status])}"/>`,
      `    <summary type="text">${xmlText(oneLine(lines[0] ?? title, 500))}</summary>`,
      `    <content type="text">${xmlText(lines.join('\n'))}</content>`,
      '  </entry>',
    ].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="sv">',
    `  <id>urn:horisont:cases:${xmlText(new URL(origin).host)}</id>`,
    '  <title type="text">Horisont – ärenden i nationellt ordnat införande</title>',
    '  <subtitle type="text">Beslut om nationell samverkan, rekommendationer, uppföljning och omprövning</subtitle>',
    `  <updated>${updated}</updated>`,
    '  <author><name>Horisont</name></author>',
    `  <link rel="self" type="application/atom+xml" href="${xmlText(`${origin}/arenden.atom`)}"/>`,
    `  <link rel="alternate" type="text/html" href="${xmlText(`${origin}/arenden`)}"/>`,
    '  <generator>Horisont</generator>',
    ...entries,
    '</feed>',
    '',
  ].join('\n');
}
