import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../src/app/context.js';

/** Text a hostile source could publish: it must only ever appear as inert text. */
export const XSS_NAME =
  '<script>alert("xss-name")</script><img src=x onerror=alert("xss-img")> Glukossensor X';
export const XSS_MANUFACTURER = '"><svg onload=alert("xss-svg")>';

export interface SeededCandidate {
  id: string;
  name: string;
}

export interface Seeded {
  libre: SeededCandidate;
  optune: SeededCandidate;
  minimed: SeededCandidate;
  foundation: SeededCandidate;
  app: SeededCandidate;
  xss: SeededCandidate;
  drug: SeededCandidate;
  runId: string;
}

interface ItemSpec {
  sourceId: string;
  kind: string;
  title: string;
  url: string;
  publishedAt?: string;
  summary?: string;
  region?: string;
  publicationType?: string;
  product?: Record<string, unknown>;
}

interface CandidateSpec {
  name: string;
  manufacturer: string | null;
  kind: string;
  createdAt: string;
  identifiers?: Array<{ scheme: string; value: string }>;
  score?: { total: number; band: string; council: string; nominate: boolean; routingReason: string };
  items: ItemSpec[];
  report?: { npo: string[] };
}

function scoreResult(
  spec: NonNullable<CandidateSpec['score']>,
  evidence: Array<{ itemId: string; sourceId: string; url: string; title: string }>,
) {
  const first = evidence[0];
  return {
    criteriaVersion: '2026.1',
    total: spec.total,
    band: spec.band,
    council: spec.council,
    routingReason: spec.routingReason,
    nominate: spec.nominate,
    criteria: [
      {
        criterionId: 'equal-use',
        label: 'Jämlik användning över landet är angeläget',
        weight: 0.3,
        points: spec.total > 50 ? 8 : 2,
        maxPoints: 10,
        signals: first
          ? [
              {
                signalId: 'regional-hta-several',
                label: 'Regionala HTA-rapporter',
                explanation:
                  'Flera regioner har bedömt produkten på egen hand, vilket talar för risk för ojämlik användning.',
                points: 6,
                evidence: evidence.map((e) => ({
                  itemId: e.itemId,
                  sourceId: e.sourceId,
                  url: e.url,
                  snippet: e.title,
                })),
              },
            ]
          : [],
      },
      {
        criterionId: 'severity',
        label: 'Hög svårighetsgrad',
        weight: 0.25,
        points: spec.total > 60 ? 7 : 0,
        maxPoints: 10,
        signals: [],
      },
      {
        criterionId: 'resource-impact',
        label: 'Förväntat stor resurspåverkan',
        weight: 0.25,
        points: 5,
        maxPoints: 10,
        signals: [],
      },
      {
        criterionId: 'ethics',
        label: 'Etiskt eller politiskt utmanande',
        weight: 0.2,
        points: 0,
        maxPoints: 10,
        signals: [],
      },
    ],
  };
}

function reportMarkdown(
  name: string,
  npo: string[],
  evidence: Array<{ url: string; title: string }>,
): string {
  return [
    `# Tidig bedömningsrapport: ${name.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!)}`,
    '',
    '- **Rapportversion:** 1 (schema 1)',
    '- **Föreslås för nominering:** ja',
    '',
    '## 1. Produkt och tillverkare',
    '',
    ...evidence.map((e, i) => `- **E${i + 1}.** [${e.title.replace(/[[\]<>]/g, '')}](${e.url})`),
    '',
    '## 8. Föreslaget programområde och råd',
    '',
    ...npo.map((n) => `- **Programområde (förslag):** ${n}`),
    '',
  ].join('\n');
}

/** Candidates, evidence, scores and reports written straight into the 0001 schema. */
export async function seedCandidates(ctx: AppContext): Promise<Seeded> {
  const { db } = ctx;
  await db.query(
    `insert into sources (id, adapter, enabled) values ('eudamed-devices', 'eudamed-devices', true),
       ('sbu-publications', 'sbu-publications', true), ('tlv', 'tlv', true)
     on conflict (id) do nothing`,
  );
  const runId = randomUUID();
  await db.query(
    `insert into runs (id, run_key, trigger, status, finished_at) values ($1, $2, 'test', 'completed', now())`,
    [runId, `seed-${runId}`],
  );
  await db.query(
    `insert into run_sources (run_id, source_id, status, pages, items_seen, items_new, started_at, finished_at)
     values ($1, 'eudamed-devices', 'ok', 3, 12, 12, now(), now()), ($1, 'sbu-publications', 'ok', 2, 20, 20, now(), now()),
            ($1, 'tlv', 'broken', 1, 0, 0, now(), now())`,
    [runId],
  );
  await db.query(
    `update sources set health = 'broken', last_error_kind = 'layout-changed', consecutive_failures = 1,
       last_error_message = 'tlv: listan hittades inte på sidan (ny layout?)', last_error_at = now(), last_outcome = 'broken'
     where id = 'tlv'`,
  );
  await db.query(
    `update sources set health = 'ok', last_success_at = now(), last_outcome = 'ok' where id <> 'tlv'`,
  );

  const specs: Record<keyof Omit<Seeded, 'runId'>, CandidateSpec> = {
    libre: {
      name: 'FreeStyle Libre 3',
      manufacturer: 'Abbott Diabetes Care Ltd',
      kind: 'device',
      createdAt: '2026-03-10T08:00:00Z',
      identifiers: [
        { scheme: 'udi-di', value: '05021791005046' },
        { scheme: 'basic-udi-di', value: '5021791FSL3CGMX7' },
      ],
      score: {
        total: 82,
        band: 'hög',
        council: 'MTP-rådet',
        nominate: true,
        routingReason: 'Medicinteknisk produkt enligt MDR (klass IIb).',
      },
      items: [
        {
          sourceId: 'eudamed-devices',
          kind: 'device',
          title: 'FreeStyle Libre 3 sensor för kontinuerlig glukosmätning',
          url: 'https://ec.europa.eu/tools/eudamed/#/screen/search-device/05021791005046',
          publishedAt: '2025-11-02',
          product: {
            tradeName: 'FreeStyle Libre 3',
            manufacturer: 'Abbott Diabetes Care Ltd',
            manufacturerSrn: 'GB-MF-000012345',
            udiDi: '05021791005046',
            basicUdiDi: '5021791FSL3CGMX7',
            riskClass: 'refdata.risk-class.class-iib',
            legislation: 'mdr',
            marketStatus: 'on-the-market',
            implantable: false,
            emdnCodes: ['Z12040115'],
          },
        },
        {
          sourceId: 'sbu-publications',
          kind: 'hta-report',
          title: 'Kontinuerlig glukosmätning vid typ 1-diabetes',
          url: 'https://www.sbu.se/sv/publikationer/regional-hta/kontinuerlig-glukosmatning/',
          publishedAt: '2026-02-14',
          region: 'Västra Götalandsregionen',
          publicationType: 'Regional HTA',
          summary: 'Regional HTA om glukossensorer för barn och vuxna med diabetes.',
        },
        {
          sourceId: 'tlv',
          kind: 'hta-report',
          title: 'Hälsoekonomisk bedömning av FreeStyle Libre 3',
          url: 'https://www.tlv.se/medicinteknik/halsoekonomiska-bedomningar/freestyle-libre-3.html',
          publishedAt: '2026-01-20',
        },
      ],
      report: { npo: ['Endokrina sjukdomar'] },
    },
    optune: {
      name: 'Optune',
      manufacturer: 'Novocure GmbH',
      kind: 'device',
      createdAt: '2026-01-15T08:00:00Z',
      score: {
        total: 71,
        band: 'hög',
        council: 'MTP-rådet',
        nominate: true,
        routingReason: 'Medicinteknisk produkt (klass III).',
      },
      items: [
        {
          sourceId: 'sbu-publications',
          kind: 'hta-report',
          title: 'Tumörbehandlande elektriska fält vid glioblastom',
          url: 'https://www.sbu.se/sv/publikationer/sbu-kommenterar/ttfields-glioblastom/',
          publishedAt: '2025-09-30',
          publicationType: 'SBU Kommenterar',
        },
      ],
      report: { npo: ['Cancersjukdomar', 'Nervsystemets sjukdomar'] },
    },
    minimed: {
      name: 'MiniMed 780G',
      manufacturer: 'Medtronic',
      kind: 'device',
      createdAt: '2026-03-01T08:00:00Z',
      score: {
        total: 55,
        band: 'medel',
        council: 'MTP-rådet',
        nominate: false,
        routingReason: 'Insulinpump, MDR klass IIb.',
      },
      items: [
        {
          sourceId: 'eudamed-devices',
          kind: 'device',
          title: 'MiniMed 780G insulinpump',
          url: 'https://ec.europa.eu/tools/eudamed/#/screen/search-device/minimed-780g',
          product: {
            tradeName: 'MiniMed 780G',
            manufacturer: 'Medtronic',
            riskClass: 'class-iib',
            legislation: 'mdr',
          },
        },
      ],
    },
    foundation: {
      name: 'FoundationOne CDx',
      manufacturer: 'Foundation Medicine',
      kind: 'ivd',
      createdAt: '2025-12-05T08:00:00Z',
      score: {
        total: 48,
        band: 'medel',
        council: 'MTP-rådet',
        nominate: false,
        routingReason: 'IVD enligt IVDR.',
      },
      items: [
        {
          sourceId: 'sbu-publications',
          kind: 'hta-report',
          title: 'Genetisk tumörtest med beslutsstöd',
          url: 'https://www.sbu.se/sv/publikationer/regional-hta/foundationone/',
          publishedAt: '2025-12-01',
          region: 'Region Skåne',
          publicationType: 'Regional HTA',
        },
      ],
    },
    app: {
      name: 'Stegräknarappen Gå',
      manufacturer: 'Appbolaget AB',
      kind: 'method',
      createdAt: '2026-02-20T08:00:00Z',
      score: {
        total: 12,
        band: 'låg',
        council: 'utanför',
        nominate: false,
        routingReason: 'Inte CE-märkt som medicinteknisk produkt.',
      },
      items: [
        {
          sourceId: 'tlv',
          kind: 'news',
          title: 'Appar för fysisk aktivitet',
          url: 'https://www.tlv.se/om-tlv/nyheter/appar.html',
        },
      ],
    },
    xss: {
      name: XSS_NAME,
      manufacturer: XSS_MANUFACTURER,
      kind: 'device',
      createdAt: '2026-03-11T08:00:00Z',
      score: {
        total: 60,
        band: 'medel',
        council: 'MTP-rådet',
        nominate: true,
        routingReason: '<b onmouseover=alert(1)>routing</b>',
      },
      items: [
        {
          sourceId: 'eudamed-devices',
          kind: 'device',
          title: '<img src=x onerror=alert("xss-evidence")> Glukossensor X',
          url: 'javascript:alert("xss-link")',
          publishedAt: '2026-03-09',
          summary: '"><script>alert("xss-summary")</script>',
        },
      ],
      report: { npo: ['Endokrina sjukdomar'] },
    },
    drug: {
      name: 'Exempelmab',
      manufacturer: 'Läkemedelsbolaget AB',
      kind: 'drug',
      createdAt: '2026-02-01T08:00:00Z',
      score: {
        total: 40,
        band: 'medel',
        council: 'NT-rådet',
        nominate: false,
        routingReason: 'Läkemedel: NT-rådet.',
      },
      items: [
        {
          sourceId: 'tlv',
          kind: 'drug',
          title: 'Exempelmab vid svår astma',
          url: 'https://www.tlv.se/beslut/exempelmab.html',
          publishedAt: '2026-01-31',
        },
      ],
    },
  };

  const seeded = { runId } as Seeded;
  let itemNo = 0;
  for (const [key, spec] of Object.entries(specs) as Array<[keyof typeof specs, CandidateSpec]>) {
    const id = (
      await db.query<{ id: string }>(
        `insert into candidates (kind, name, manufacturer, identifiers, first_run_id, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $6) returning id`,
        [
          spec.kind,
          spec.name,
          spec.manufacturer,
          JSON.stringify(spec.identifiers ?? []),
          runId,
          spec.createdAt,
        ],
      )
    ).rows[0]!.id;
    const evidence: Array<{ itemId: string; sourceId: string; url: string; title: string }> = [];
    for (const item of spec.items) {
      itemNo += 1;
      const data = {
        itemKey: `seed-${itemNo}`,
        kind: item.kind,
        title: item.title,
        url: item.url,
        ...(item.publishedAt ? { publishedAt: item.publishedAt } : {}),
        ...(item.summary ? { summary: item.summary } : {}),
        ...(item.region ? { region: item.region } : {}),
        ...(item.publicationType ? { publicationType: item.publicationType } : {}),
        ...(item.product ? { product: item.product } : {}),
      };
      const itemId = (
        await db.query<{ id: string }>(
          `insert into source_items (source_id, item_key, kind, title, url, published_at, content_hash, data)
           values ($1, $2, $3, $4, $5, $6, $7, $8) returning id`,
          [
            item.sourceId,
            data.itemKey,
            item.kind,
            item.title,
            item.url,
            item.publishedAt ?? null,
            `h${itemNo}`,
            JSON.stringify(data),
          ],
        )
      ).rows[0]!.id;
      await db.query(`insert into evidence (candidate_id, item_id, reason) values ($1, $2, 'seed')`, [
        id,
        itemId,
      ]);
      evidence.push({ itemId, sourceId: item.sourceId, url: item.url, title: item.title });
    }
    if (spec.score) {
      // The programme areas the score found, as scoreAndStore stores them (the NPO filter reads them).
      const result = {
        ...scoreResult(spec.score, evidence),
        programmeAreas: (spec.report?.npo ?? []).map((name) => ({
          name,
          evidence: evidence
            .slice(0, 1)
            .map((e) => ({ itemId: e.itemId, field: 'title', term: name, text: e.title })),
        })),
      };
      const scoreId = (
        await db.query<{ id: string }>(
          `insert into scores (candidate_id, criteria_version, input_hash, total, band, council, nominate, result)
           values ($1, '2026.1', 'seed', $2, $3, $4, $5, $6) returning id`,
          [
            id,
            spec.score.total,
            spec.score.band,
            spec.score.council,
            spec.score.nominate,
            JSON.stringify(result),
          ],
        )
      ).rows[0]!.id;
      await db.query('update candidates set current_score_id = $2 where id = $1', [id, scoreId]);
      if (spec.report) {
        const json = {
          schemaVersion: 1,
          reportVersion: 1,
          candidate: { id, name: spec.name },
          sections: {
            programme: { programmeAreas: spec.report.npo.map((name) => ({ name, sources: ['E1'] })) },
          },
        };
        await db.query(
          `insert into reports (candidate_id, version, input_hash, score_id, band, markdown, json, run_id)
           values ($1, 1, 'seed', $2, $3, $4, $5, $6)`,
          [
            id,
            scoreId,
            spec.score.band,
            reportMarkdown(spec.name, spec.report.npo, evidence),
            JSON.stringify(json),
            runId,
          ],
        );
      }
    }
    seeded[key] = { id, name: spec.name };
  }
  return seeded;
}
