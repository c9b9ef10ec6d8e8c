import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { atomFeed } from '../../src/alerts/atom.js';
import { SubscriptionFilter, matchesCaseChange } from '../../src/domain/alert-filter.js';
import type { MatchSubject } from '../../src/domain/alert-filter.js';
import { alertLinks } from '../../src/alerts/relay.js';
import { groupEvents, htmlOf, subjectOf, textOf, webhookPayload } from '../../src/alerts/render.js';
import type { AlertMessage } from '../../src/alerts/render.js';
import type { EventRow, SubscriptionRow } from '../../src/store/alerts.js';

// A case's change as every alert channel renders it; scraped and typed text stays inert.
const HOSTILE = '<script>alert("x")</script>\r\nBcc: victim@example.com';

const subscription: SubscriptionRow = {
  id: '11111111-1111-4111-8111-111111111111',
  name: 'Ärende HOR-2026-0007: Region Halland',
  owner_name: 'Hanna Halland',
  owner_email: 'hanna@example.se',
  filter: SubscriptionFilter.parse({ events: ['case-changed'], cases: ['hor-2026-0007'] }),
  channel: 'email',
  webhook_url: null,
  webhook_secret: null,
  unsubscribe_token: 'tok_abcdefghijklmnopqrstuvwxyz',
  created_at: new Date('2026-11-01T00:00:00Z'),
  owner_user_id: null,
  paused_at: null,
  updated_at: new Date('2026-11-01T00:00:00Z'),
};

function caseEvent(id: number, isPublic: boolean): EventRow {
  return {
    outbox_id: String(id),
    event_id: String(id),
    kind: 'case-changed',
    candidate_id: '22222222-2222-4222-8222-222222222222',
    run_id: null,
    source_id: null,
    created_at: new Date('2026-11-20T10:00:00Z'),
    details: {
      candidate: {
        id: '22222222-2222-4222-8222-222222222222',
        name: HOSTILE,
        manufacturer: null,
        kind: 'device',
        band: 'medel',
        total: 55,
        council: 'MTP-rådet',
      },
      evidence: [],
      evidenceTotal: 2,
      evidenceChanged: 0,
      case: {
        caseNumber: 'HOR-2026-0007',
        title: HOSTILE,
        status: 'omfattas',
        statusLabel: 'Omfattas av nationell samverkan',
        action: 'decide',
        actionLabel: 'Beslut om nationell samverkan',
        lines: ['Omfattas av nationell samverkan (beslut 2026-11-20).', HOSTILE],
        public: isPublic,
      },
    },
  };
}

function message(isPublic: boolean): AlertMessage {
  return {
    deliveryId: '7',
    kind: 'single',
    subscription,
    groups: groupEvents([caseEvent(1, isPublic)]),
    links: alertLinks('https://horisont.example.se', subscription),
  };
}

describe('a case change in an alert', () => {
  it('names the case and the change, and links to its public page once public', () => {
    const m = message(true);
    expect(subjectOf(m)).toBe(
      'Horisont: ärende HOR-2026-0007 – Beslut om nationell samverkan – <script>alert("x")</script> Bcc: victim@example.com',
    );
    const text = textOf(m);
    expect(text).toContain(
      'Ärende HOR-2026-0007: Beslut om nationell samverkan – Omfattas av nationell samverkan',
    );
    expect(text).toContain('https://horisont.example.se/arenden/HOR-2026-0007');
    expect(text).not.toContain('\r\nBcc');
    const html = htmlOf(m);
    expect(html).not.toContain('<script>');
    expect(html).toContain('href="https://horisont.example.se/arenden/HOR-2026-0007"');
    const payload = webhookPayload(m) as {
      data: { items: Array<{ events: Array<{ case?: { url: string } }> }> };
    };
    expect(payload.data.items[0]!.events[0]!.case!.url).toBe(
      'https://horisont.example.se/arenden/HOR-2026-0007',
    );
  });

  it('links to the workbench while the case is not public', () => {
    expect(textOf(message(false))).toContain('https://horisont.example.se/arendehantering/HOR-2026-0007');
  });

  it('is a valid Atom entry', () => {
    const m = message(true);
    const feed = atomFeed({
      subscription,
      events: [caseEvent(1, true)],
      selfUrl: 'https://horisont.example.se/feeds/x.atom',
      links: m.links,
      now: new Date('2026-11-21T00:00:00Z'),
    });
    expect(XMLValidator.validate(feed)).toBe(true);
    expect(feed).toContain(
      '<link rel="alternate" type="text/html" href="https://horisont.example.se/arenden/HOR-2026-0007"/>',
    );
  });

  it('a subscription naming cases follows only those; others follow the candidates they match', () => {
    const subject: MatchSubject = {
      band: 'medel',
      council: 'MTP-rådet',
      sourceIds: [],
      emdnCodes: [],
      texts: ['Glucosense'],
      npo: () => ['Endokrina sjukdomar'],
    };
    expect(matchesCaseChange(subscription.filter, 'HOR-2026-0007', subject)).toBe(true);
    expect(matchesCaseChange(subscription.filter, 'HOR-2026-0008', subject)).toBe(false);
    const npo = SubscriptionFilter.parse({ npo: ['Endokrina sjukdomar'] });
    expect(matchesCaseChange(npo, 'HOR-2026-0008', subject)).toBe(true);
    expect(matchesCaseChange(SubscriptionFilter.parse({ npo: ['Tandvård'] }), 'HOR-2026-0008', subject)).toBe(
      false,
    );
    expect(
      matchesCaseChange(SubscriptionFilter.parse({ events: ['new-candidate'] }), 'HOR-2026-0008', subject),
    ).toBe(false);
  });
});
