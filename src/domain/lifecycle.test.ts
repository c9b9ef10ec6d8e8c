import { describe, expect, it } from 'vitest';
import type { EvidenceItem } from './candidate.js';
import { addMonths, judgeLifecycle, lifecycleFacts } from './lifecycle.js';
import { shippedCriteria } from '../../test/helpers/shipped-config.js';

const settings = shippedCriteria.lifecycle;

const AS_OF = '2026-12-01';
let next = 0;
function item(partial: Omit<EvidenceItem, 'itemId' | 'url'>): EvidenceItem {
  next += 1;
  return { itemId: String(next), url: `https://example.org/${next}`, ...partial };
}

const trial = (status: string, firstPosted: string, summary = ''): EvidenceItem =>
  item({
    sourceId: 'clinicaltrials',
    kind: 'trial',
    title: 'A pivotal trial',
    publishedAt: firstPosted,
    summary: `Status: ${status}. Sites: Sweden (Lund, Stockholm). ${summary}`,
  });
const pma = (day: string, type = 'PMA'): EvidenceItem =>
  item({
    sourceId: 'openfda-devices',
    kind: 'device',
    title: 'Valve (PMA P250021)',
    publishedAt: day,
    publicationType: type,
  });
const eudamed = (legislation: string): EvidenceItem =>
  item({
    sourceId: 'eudamed-devices',
    kind: 'device',
    title: 'Valve',
    updatedAt: '2026-06-10',
    product: { tradeName: 'Valve', legislation, marketStatus: 'refdata.market-status.on-the-market' },
  });
const certificate = (validFrom: string, status = 'issued'): EvidenceItem =>
  item({
    sourceId: 'eudamed-certificates',
    kind: 'certificate',
    title: 'MDR technical documentation certificate 1234',
    publishedAt: validFrom,
    summary: `Manufacturer: Valve AB. Status: ${status}. Valid from ${validFrom} until 2031-01-01.`,
  });
const hta = (day: string, title = 'Valve vid mitralisinsufficiens – en metodvärdering'): EvidenceItem =>
  item({ sourceId: 'hta-vgr', kind: 'hta-report', title, publishedAt: day, publicationType: 'HTA-rapport' });

describe('judgeLifecycle', () => {
  it('calls a product approved in the US first, with a Swedish trial running, pre-market', () => {
    const judged = judgeLifecycle(
      [trial('RECRUITING', '2025-10-14'), pma('2026-09-18')],
      'device',
      AS_OF,
      settings,
    );
    expect(judged.stage).toBe('pre-market');
    expect(judged.timing).toBe(settings.timing['pre-market']);
    expect(judged.decisive.map((f) => f.kind)).toEqual(['trial-ongoing', 'foreign-approval']);
    expect(judged.expected).toMatch(/Godkänd i USA \(FDA PMA\) 18 september 2026/);
    expect(judged.expected).toMatch(/svenska prövningsställen \(Lund, Stockholm\)/);
  });

  it('dates market entry from the first EU certificate, never from when a document was seen', () => {
    const fresh = judgeLifecycle([certificate('2026-03-16'), eudamed('mdr')], 'device', AS_OF, settings);
    expect(fresh.stage).toBe('market-entry');
    expect(fresh.timingKey).toBe('market-entry-fresh');
    const older = judgeLifecycle([certificate('2025-06-01'), eudamed('mdr')], 'device', AS_OF, settings);
    expect(older.timingKey).toBe('market-entry');
    const old = judgeLifecycle([certificate('2022-02-10'), eudamed('mdr')], 'device', AS_OF, settings);
    expect(old.stage).toBe('established');
  });

  it('says when the same evidence will be judged differently', () => {
    const judged = judgeLifecycle([certificate('2026-03-16'), eudamed('mdr')], 'device', AS_OF, settings);
    expect(judged.reviewOn).toBe('2027-03-16');
    expect(judgeLifecycle([eudamed('mdr')], 'device', AS_OF, settings).reviewOn).toBeUndefined();
  });

  it('reads CE marking and EU approval dates written in the text, in Swedish and Norwegian', () => {
    const ce = lifecycleFacts(
      [
        item({
          sourceId: 'sbu-publications',
          kind: 'hta-report',
          title: 'Naevia AI',
          summary: 'Produkten CE-märktes i januari 2026.',
          publishedAt: '2026-10-15',
        }),
      ],
      AS_OF,
      settings,
    );
    expect(ce.find((f) => f.kind === 'ce-marked')?.date).toBe('2026-01-01');
    const chmp = lifecycleFacts(
      [
        item({
          sourceId: 'nye-metoder',
          kind: 'drug',
          title: 'Neurablast',
          summary:
            'CHMP ga positiv uttalelse 15.10.2026. Legemiddelet gis som intravenøs infusjon i sykehus.',
          updatedAt: '2026-10-19',
          publicationType: 'Metodevarsel',
        }),
      ],
      AS_OF,
      settings,
    );
    expect(chmp.find((f) => f.kind === 'eu-approval')?.date).toBe('2026-10-15');
  });

  it('calls a registration under the old directives established, whatever else is recent', () => {
    const judged = judgeLifecycle(
      [eudamed('mdd'), trial('RECRUITING', '2026-05-01')],
      'device',
      AS_OF,
      settings,
    );
    expect(judged.stage).toBe('established');
    expect(judged.timing).toBe(settings.timing.established);
  });

  it('takes an old assessment as years on the market, and a fresh one alone as market entry', () => {
    expect(judgeLifecycle([hta('2019-02-21'), eudamed('mdr')], 'device', AS_OF, settings).stage).toBe(
      'established',
    );
    const method = judgeLifecycle(
      [hta('2026-09-22', 'Histotripsi vid levermetastaser')],
      'method',
      AS_OF,
      settings,
    );
    expect(method.stage).toBe('market-entry');
    expect(method.timingKey).toBe('market-entry-assessed');
  });

  it('lets a fresh new indication reopen an established product', () => {
    const judged = judgeLifecycle(
      [
        hta('2021-02-11'),
        item({
          sourceId: 'nye-metoder',
          kind: 'device',
          title: 'Genpanel ved solide svulster hos barn',
          summary: 'Utvidet bruksområde (IVDR-sertifikat supplert i august 2026).',
          updatedAt: '2026-10-13',
          publicationType: 'Metodevarsel',
        }),
      ],
      'ivd',
      AS_OF,
      settings,
    );
    expect(judged.stage).toBe('market-entry');
    expect(judged.timingKey).toBe('new-indication');
  });

  it('knows nothing dated after the day judged', () => {
    const evidence = [trial('RECRUITING', '2025-10-14'), certificate('2026-06-01')];
    expect(judgeLifecycle(evidence, 'device', '2026-03-01', settings).stage).toBe('pre-market');
    expect(judgeLifecycle(evidence, 'device', AS_OF, settings).stage).toBe('market-entry');
  });

  it('leaves the stage unknown outside the remit and when nothing is dated', () => {
    expect(judgeLifecycle([trial('RECRUITING', '2026-01-26')], 'device', AS_OF, settings, false).stage).toBe(
      'unknown',
    );
    expect(judgeLifecycle([trial('COMPLETED', '2024-12-10')], 'device', AS_OF, settings).stage).toBe(
      'unknown',
    );
  });

  it('calls a product withdrawn when every register says it is no longer on the market', () => {
    const gone = item({
      sourceId: 'eudamed-devices',
      kind: 'device',
      title: 'Old pump',
      product: {
        tradeName: 'Old pump',
        legislation: 'mdr',
        marketStatus: 'refdata.market-status.no-longer-on-the-market',
      },
    });
    expect(judgeLifecycle([gone], 'device', AS_OF, settings).stage).toBe('withdrawn');
  });

  it('does not take an enquiry answer for an assessment', () => {
    const enquiry = item({
      sourceId: 'sbu-publications',
      kind: 'hta-report',
      title: 'Sömnappar',
      publishedAt: '2026-11-05',
      publicationType: 'Upplysningstjänsten',
    });
    expect(lifecycleFacts([enquiry], AS_OF, settings)).toEqual([]);
  });
});

describe('addMonths', () => {
  it('keeps the day where the month has it and clamps where it does not', () => {
    expect(addMonths('2026-12-01', -24)).toBe('2024-12-01');
    expect(addMonths('2026-03-31', -1)).toBe('2026-02-28');
    expect(addMonths('2024-01-15', 13)).toBe('2025-02-15');
  });
});
