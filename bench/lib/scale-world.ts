/**
 * A Horisont database at production size for W6 (re-scoring) and W7 (the workbench): `n`
 * candidates with the evidence, scores, history and reviewer state the pipeline writes, in a
 * schema of its own with every migration applied. Generated set-based in PostgreSQL (a handful of
 * `INSERT … SELECT` statements over `generate_series`), deterministic: the same `n` gives the
 * same rows (hashes of the candidate number pick every choice, `hashint8`, so row order and
 * parallelism do not matter). docs/benchmarks.md ("The scale world") describes the mix.
 *
 * What it writes, in the pipeline's shapes:
 * - `sources` (the configured ones), 240 nightly `runs` (one every third day over two years) and
 *   one `snapshots` row per run and source that items point at;
 * - `source_items`: one main item per candidate by archetype — a EUDAMED device or IVD record
 *   (76 %), a ClinicalTrials.gov study naming a product (10 %), an FDA 510(k)/PMA record (5 %), a
 *   regional, SBU or TLV HTA report about a method (5 %), a Nye Metoder drug notice (3 %), an
 *   NT-/MTP-rådet list entry (1 %) — plus further evidence at the rates a scan produces: notified
 *   body certificates, trials, FDA records, Läkemedelsverket safety notices, regional/SBU/TLV HTA
 *   reports naming the product (one in ten about two products), Nye Metoder and council entries,
 *   and 0.5 % of candidates with 4–11 items (much-discussed products). About 1.3 items a
 *   candidate. `data` is the RawItem the adapters produce (product facts, references, Swedish,
 *   English or Norwegian titles and summaries with conditions and device words the triage
 *   criteria and programme areas react to), `content_hash` a sha256;
 * - `evidence` with the resolver's reasons, identity keys and observed statuses; `candidates`
 *   with resolved names and first runs; `candidate_keys` (UDI-DI, Basic UDI-DI, product name,
 *   method item); `candidate_history` (first seen, new source, certificate, trial, HTA, safety
 *   notice events with the sources' dates);
 * - `scores`: every candidate scored by the real domain code (`scoreInMemory`, the steps of
 *   `scoreAndStore`) with the configured criteria, written by COPY (computed when generated),
 *   and the candidate's derived name, manufacturer, kind, identifiers and current score set as
 *   the score stage sets them;
 * - reviewer state: decisions and `candidate_state` for 2 % (nominated, dismissed with a reason,
 *   watched), a report for 1 % (and a scan nomination for half of those), `possible_duplicates`
 *   for 0.3 %.
 * Not written: candidate_names / deferred rows (resolution's blocking tables, read by no query W6
 * or W7 measures), alert tables, audit log. Every table is analysed at the end (the machine's
 * PostgreSQL runs with autovacuum off).
 */
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline as streamPipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import YAML from 'yaml';
import { loadAppConfig } from '../../src/app/build.js';
import { loadConfig } from '../../src/config/load.js';
import { describeCandidate } from '../../src/domain/candidate.js';
import type { CandidateView, EvidenceItem } from '../../src/domain/candidate.js';
import { matchProgrammeAreas } from '../../src/domain/programme-areas.js';
import { scoreCandidate } from '../../src/domain/score.js';
import type { ScoreResult } from '../../src/domain/score.js';
import type { CouncilLists } from '../../src/domain/routing.js';
import { parseEnv } from '../../src/env.js';
import { createLogger } from '../../src/log.js';
import { createDb } from '../../src/store/db.js';
import type { Db } from '../../src/store/db.js';
import { canonicalJson, sha256, toEvidence } from '../../src/store/items.js';
import type { RawItem } from '../../src/domain/item.js';
import { migrate } from '../../src/store/migrate.js';
import type { Scoring } from '../../src/workers/score.js';
import { log } from './report.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CONFIG_DIR = path.join(REPO, 'config');

// --- scoring as the score stage does it, in memory --------------------------------------------

/** The day the scale world is judged as: fixed, so every run scores the same world alike. */
export const BENCH_AS_OF = '2026-12-01';

/**
 * What `scoreAndStore` (src/workers/score.ts) computes for a candidate before it writes: the
 * candidate view from its evidence, the triage score (against the councils' lists when given, as
 * production scores) and the programme areas. Pure domain code, no I/O; W6's baseline and the
 * world's initial scores.
 */
export function scoreInMemory(
  id: string,
  resolvedName: string,
  evidence: EvidenceItem[],
  scoring: Scoring,
  asOf: string = BENCH_AS_OF,
  councilLists?: CouncilLists,
): { view: CandidateView; result: ScoreResult } {
  const view = describeCandidate(id, resolvedName, evidence, scoring.sourceProfiles);
  const result: ScoreResult = {
    ...scoreCandidate(view, {
      criteria: scoring.criteria,
      conditions: scoring.conditions,
      asOf,
      councilLists,
    }),
    programmeAreas: matchProgrammeAreas(view.evidence, scoring.programmeAreas),
  };
  return { view, result };
}

/** A chunk of live candidates with their evidence, as `loadCandidate` + `loadEvidence` read them. */
export interface LoadedCandidate {
  id: string;
  resolvedName: string;
  evidence: EvidenceItem[];
}

/**
 * Every live candidate with its evidence, `chunk` at a time in id order (keyset pages), so a
 * million candidates never sit in memory at once.
 */
export async function* candidateChunks(db: Db, chunk: number): AsyncGenerator<LoadedCandidate[]> {
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows = await db.query<{ id: string; resolved_name: string }>(
      `select id, coalesce(resolved_name, name) as resolved_name from candidates
       where merged_into is null and id > $1 order by id limit $2`,
      [after, chunk],
    );
    if (rows.rows.length === 0) return;
    after = rows.rows[rows.rows.length - 1]!.id;
    const items = await db.query<{ candidate_id: string; id: string; source_id: string; data: RawItem }>(
      `select e.candidate_id, i.id, i.source_id, i.data from evidence e join source_items i on i.id = e.item_id
       where e.candidate_id = any($1::uuid[]) order by e.candidate_id, i.id`,
      [rows.rows.map((row) => row.id)],
    );
    const byCandidate = new Map<string, EvidenceItem[]>();
    for (const row of items.rows) {
      const list = byCandidate.get(row.candidate_id) ?? [];
      list.push(toEvidence({ id: Number(row.id), sourceId: row.source_id, item: row.data }));
      byCandidate.set(row.candidate_id, list);
    }
    yield rows.rows.map((row) => ({
      id: row.id,
      resolvedName: row.resolved_name,
      evidence: byCandidate.get(row.id) ?? [],
    }));
  }
}

// --- configuration ----------------------------------------------------------------------------

/**
 * A copy of config/ whose triage criteria are a new version: `version` gets `suffix`, and five
 * points of weight move from the second criterion to the first (when the file has weights), as a
 * revision of the criteria would, so that ranks move. Returns the directory; remove it after.
 */
export function changedCriteriaConfig(suffix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'horisont-bench-config-'));
  cpSync(CONFIG_DIR, dir, { recursive: true });
  const file = path.join(dir, 'triage-criteria.yaml');
  const doc = YAML.parseDocument(readFileSync(file, 'utf8'));
  const version = doc.get('version');
  if (typeof version !== 'string' && typeof version !== 'number') {
    throw new Error('scale world: triage-criteria.yaml has no version');
  }
  doc.set('version', `${String(version)}${suffix}`);
  const first = doc.getIn(['criteria', 0, 'weight']);
  const second = doc.getIn(['criteria', 1, 'weight']);
  if (typeof first === 'number' && typeof second === 'number' && second > 5) {
    doc.setIn(['criteria', 0, 'weight'], first + 5);
    doc.setIn(['criteria', 1, 'weight'], second - 5);
  }
  writeFileSync(file, doc.toString());
  return dir;
}

export async function loadScoring(configDir: string = CONFIG_DIR): Promise<Scoring> {
  const config = await loadAppConfig(parseEnv({ ...process.env, HORISONT_CONFIG_DIR: configDir }), configDir);
  return {
    sourceProfiles: config.sourceProfiles,
    criteria: config.criteria,
    conditions: config.conditions,
    programmeAreas: config.programmeAreas,
  };
}

export function removeConfig(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

// --- the generator ----------------------------------------------------------------------------

export interface ScaleWorld {
  schema: string;
  candidates: number;
  items: number;
  evidence: number;
  scores: number;
  /** Wall seconds: the SQL generation, the initial scoring, and both with ANALYZE. */
  generateSeconds: number;
  scoreSeconds: number;
  totalSeconds: number;
  /** Size of the schema's tables and indexes. */
  bytes: number;
}

const sql = (value: string) => `'${value.replace(/'/g, "''")}'`;
const sqlArray = (values: readonly string[]) => `array[${values.map(sql).join(',')}]::text[]`;
/** `values[h % n]` in SQL, for a non-negative integer expression `h`. */
const pickSql = (values: readonly string[], h: string) =>
  `(${sqlArray(values)})[1 + (${h}) % ${values.length}]`;

/**
 * Themes: a device (or drug) family with its English product noun, the Swedish word reports use
 * (often a compound), the condition in Swedish, English and Norwegian, a method phrase, the kind,
 * EMDN category letter and whether it is implanted.
 */
const THEMES: ReadonlyArray<{
  en: string;
  sv: string;
  condSv: string;
  condEn: string;
  condNo: string;
  kind: 'device' | 'ivd' | 'drug';
  emdn: string;
  implant: boolean;
}> = [
  {
    en: 'Insulin Pump',
    sv: 'insulinpump',
    condSv: 'typ 1-diabetes',
    condEn: 'type 1 diabetes',
    condNo: 'type 1-diabetes',
    kind: 'device',
    emdn: 'A0301',
    implant: false,
  },
  {
    en: 'Glucose Sensor',
    sv: 'glukossensor',
    condSv: 'typ 2-diabetes',
    condEn: 'type 2 diabetes',
    condNo: 'type 2-diabetes',
    kind: 'device',
    emdn: 'Z1203',
    implant: false,
  },
  {
    en: 'Leadless Pacemaker',
    sv: 'pacemaker',
    condSv: 'bradykardi',
    condEn: 'bradycardia',
    condNo: 'bradykardi',
    kind: 'device',
    emdn: 'J0101',
    implant: true,
  },
  {
    en: 'Transcatheter Heart Valve',
    sv: 'hjärtklaff',
    condSv: 'aortastenos',
    condEn: 'aortic stenosis',
    condNo: 'aortastenose',
    kind: 'device',
    emdn: 'P0701',
    implant: true,
  },
  {
    en: 'Drug-Eluting Coronary Stent',
    sv: 'kranskärlsstent',
    condSv: 'kranskärlssjukdom',
    condEn: 'coronary artery disease',
    condNo: 'koronarsykdom',
    kind: 'device',
    emdn: 'P0704',
    implant: true,
  },
  {
    en: 'Pulsed Field Ablation Catheter',
    sv: 'ablationskateter',
    condSv: 'förmaksflimmer',
    condEn: 'atrial fibrillation',
    condNo: 'atrieflimmer',
    kind: 'device',
    emdn: 'C0204',
    implant: false,
  },
  {
    en: 'Spinal Cord Stimulator',
    sv: 'ryggmärgsstimulering',
    condSv: 'kronisk smärta',
    condEn: 'chronic pain',
    condNo: 'kroniske smerter',
    kind: 'device',
    emdn: 'J0201',
    implant: true,
  },
  {
    en: 'Cochlear Implant System',
    sv: 'hörselimplantat',
    condSv: 'grav hörselnedsättning',
    condEn: 'severe hearing loss',
    condNo: 'alvorlig hørselstap',
    kind: 'device',
    emdn: 'J0301',
    implant: true,
  },
  {
    en: 'Robotic Surgical System',
    sv: 'robotassisterad kirurgi',
    condSv: 'prostatacancer',
    condEn: 'prostate cancer',
    condNo: 'prostatakreft',
    kind: 'device',
    emdn: 'L1001',
    implant: false,
  },
  {
    en: 'AI Stroke Triage Software',
    sv: 'AI-baserat beslutsstöd',
    condSv: 'stroke',
    condEn: 'acute ischaemic stroke',
    condNo: 'hjerneslag',
    kind: 'device',
    emdn: 'Z1201',
    implant: false,
  },
  {
    en: 'Negative Pressure Wound Dressing',
    sv: 'sårförband',
    condSv: 'venösa bensår',
    condEn: 'venous leg ulcers',
    condNo: 'venøse leggsår',
    kind: 'device',
    emdn: 'M0401',
    implant: false,
  },
  {
    en: 'Cementless Hip Prosthesis',
    sv: 'höftprotes',
    condSv: 'höftartros',
    condEn: 'hip osteoarthritis',
    condNo: 'hofteartrose',
    kind: 'device',
    emdn: 'P0908',
    implant: true,
  },
  {
    en: 'Wearable ECG Monitor',
    sv: 'långtids-EKG',
    condSv: 'hjärtsvikt',
    condEn: 'heart failure',
    condNo: 'hjertesvikt',
    kind: 'device',
    emdn: 'Z1202',
    implant: false,
  },
  {
    en: 'Home Haemodialysis System',
    sv: 'hemdialys',
    condSv: 'kronisk njursvikt',
    condEn: 'chronic kidney failure',
    condNo: 'kronisk nyresvikt',
    kind: 'device',
    emdn: 'F0101',
    implant: false,
  },
  {
    en: 'Sepsis Host Response Assay',
    sv: 'sepsistest',
    condSv: 'sepsis',
    condEn: 'sepsis',
    condNo: 'sepsis',
    kind: 'ivd',
    emdn: 'W0102',
    implant: false,
  },
  {
    en: 'Companion Diagnostic PCR Panel',
    sv: 'gentest',
    condSv: 'lungcancer',
    condEn: 'non-small cell lung cancer',
    condNo: 'lungekreft',
    kind: 'ivd',
    emdn: 'W0105',
    implant: false,
  },
  {
    en: 'Monoclonal Antibody',
    sv: 'antikroppsbehandling',
    condSv: 'Alzheimers sjukdom',
    condEn: "early Alzheimer's disease",
    condNo: 'Alzheimers sykdom',
    kind: 'drug',
    emdn: '',
    implant: false,
  },
  {
    en: 'Kinase Inhibitor',
    sv: 'målriktad behandling',
    condSv: 'bröstcancer',
    condEn: 'HER2-positive breast cancer',
    condNo: 'brystkreft',
    kind: 'drug',
    emdn: '',
    implant: false,
  },
];

const SYLLABLES = [
  'ka',
  'ri',
  'no',
  'vel',
  'tor',
  'lu',
  'sen',
  'dra',
  'mi',
  'qua',
  'zen',
  'or',
  'tec',
  'vi',
  'ra',
  'lo',
  'med',
  'cor',
  'neu',
  'pul',
  'xa',
  'ly',
  'ter',
  'bio',
  'syn',
  'am',
  'el',
  'ion',
  've',
  'stra',
];
const COMPANY_WORDS = [
  'Medical',
  'Healthcare',
  'Surgical',
  'Diagnostics',
  'Scientific',
  'Technologies',
  'Medtech',
  'Life Sciences',
  'Cardio',
  'Vascular',
  'Instruments',
  'Neuro',
];
const LEGAL = ['AB', 'GmbH', 'Ltd', 'Inc.', 'S.A.', 'Oy', 'A/S', 'B.V.', 'S.r.l.', 'Corp.', 'LLC'];
const COUNTRIES = ['SE', 'DE', 'GB', 'US', 'FR', 'FI', 'DK', 'NL', 'IT', 'US', 'US'];
const HTA_SOURCES = ['hta-vgr', 'hta-skane', 'hta-stockholm', 'hta-ostergotland'];
const REGIONS = ['Västra Götalandsregionen', 'Region Skåne', 'Region Stockholm', 'Region Östergötland'];
const HTA_HOSTS = [
  'https://www.sahlgrenska.se/forskning/htacentrum/hta-rapporter/',
  'https://vardgivare.skane.se/kompetens-utveckling/hta/rapporter/',
  'https://www.regionstockholm.se/verksamhet/halsa-och-vard/hta-enheten/rapporter/',
  'https://vardgivarwebb.regionostergotland.se/hta/rapporter/',
];
const METHOD_SUFFIXES = [
  'en metodvärdering',
  'hos vuxna',
  'hos barn och unga',
  'i primärvården',
  'jämfört med standardbehandling',
  'uppföljning efter fem år',
];
const FSN_RISKS = [
  'risk för felaktiga mätvärden',
  'avbruten behandling vid batteribyte',
  'programvaruuppdatering',
  'risk för förtida urladdning',
  'återkallelse av en tillverkningssats',
];
const TRIAL_STATUSES = [
  'RECRUITING',
  'RECRUITING',
  'ACTIVE_NOT_RECRUITING',
  'NOT_YET_RECRUITING',
  'COMPLETED',
];
const RISK_DEVICE = ['class-i', 'class-iia', 'class-iib', 'class-iii'];
const RISK_IVD = ['class-a', 'class-b', 'class-c', 'class-d'];
const MARKET = [
  'on-the-market',
  'on-the-market',
  'on-the-market',
  'on-the-market',
  'on-the-market',
  'on-the-market',
  'on-the-market',
  'on-the-market',
  'on-the-market',
  'no-longer-placed-on-the-market',
];
const DISMISS = [
  'already-established',
  'handled-by-tlv',
  'small-budget-impact',
  'little-expected-use',
  'insufficient-information',
];

const themeColumn = (field: keyof (typeof THEMES)[number]) =>
  `(${sqlArray(THEMES.map((t) => String(t[field])))})[1 + c.theme]`;

/** The base date of the world: candidates were first seen in the 720 days before it. */
const BASE_DATE = '2026-12-01';

/** Statements that create the staging tables and fill the world's tables, in order. */
function generationSql(n: number): Array<[string, string]> {
  const h = (salt: number, of = 'c.i') => `bench_h(${of}, ${salt})`;
  // A date in the world's two years; later evidence never lies beyond its base date.
  const day = (expr: string) =>
    `to_char(date ${sql(BASE_DATE)} - 720 + least(719, greatest(0, ${expr})), 'YYYY-MM-DD')`;
  const syllable = (salt: number) => pickSql(SYLLABLES, h(salt));
  return [
    [
      'helpers',
      `create function bench_h(i bigint, salt int) returns int language sql immutable parallel safe
         as $$ select hashint8(i * 1009 + salt) & 2147483647 $$;
       -- A version 4 UUID (as gen_random_uuid makes) from a hash, so ids are the same every time.
       create function bench_uuid(seed text) returns uuid language sql immutable parallel safe as $$
         select overlay(overlay(md5(seed) placing '4' from 13) placing substr('89ab', 1 + (hashtext(seed) & 3), 1) from 17)::uuid $$;
       create function bench_gtin(body text) returns text language sql immutable parallel safe as $$
         select body || ((10 - sum(substr(body, 14 - k, 1)::int * case when k % 2 = 1 then 3 else 1 end) % 10) % 10)::text
         from generate_series(1, 13) k $$;`,
    ],
    [
      'runs and snapshots',
      `insert into runs (id, run_key, trigger, status, started_at, finished_at)
       select bench_uuid('run ' || r), 'schedule ' || r, 'schedule', 'completed',
              timestamp ${sql(BASE_DATE)} - make_interval(days => 720 - r * 3) + interval '1 hour',
              timestamp ${sql(BASE_DATE)} - make_interval(days => 720 - r * 3) + interval '1 hour 4 minutes'
       from generate_series(0, 239) r;
       insert into snapshots (id, run_id, source_id, request_key, url, status, headers, unchanged, fetched_at, parsed_at)
       select r * 64 + s.n, bench_uuid('run ' || r), s.id, 'page-0', 'https://example.invalid/' || s.id, 200, '{}', false,
              timestamp ${sql(BASE_DATE)} - make_interval(days => 720 - r * 3) + interval '1 hour',
              timestamp ${sql(BASE_DATE)} - make_interval(days => 720 - r * 3) + interval '1 hour'
       from generate_series(0, 239) r, (select id, row_number() over (order by id) as n from sources) s;
       select setval(pg_get_serial_sequence('snapshots', 'id'), (select max(id) from snapshots));`,
    ],
    [
      'candidates (staging)',
      `create unlogged table g_cand as
       select c.i, bench_uuid('candidate ' || c.i) as id,
              case when ${h(1)} % 100 < 76 then 'reg' when ${h(1)} % 100 < 86 then 'trial'
                   when ${h(1)} % 100 < 91 then 'fda' when ${h(1)} % 100 < 96 then 'method'
                   when ${h(1)} % 100 < 99 then 'drug' else 'council' end as arch,
              ${h(2)} % ${THEMES.length - 2} as device_theme,
              ${THEMES.length - 2} + ${h(2)} % 2 as drug_theme,
              initcap(${syllable(3)} || ${syllable(4)} || ${syllable(5)}) as brand,
              ${pickSql(['X', 'G', 'S', 'Pro ', 'Neo ', 'Flex '], h(6))} || (100 + ${h(7)} % 900)::text as model,
              ${h(8)} % 6000 as m,
              ${h(9)} % 720 as day,
              ${h(10)} % 86400 as second
       from generate_series(1, ${n}) as c(i);
       alter table g_cand add column theme int, add column trade text, add column mfr text, add column srn text;
       update g_cand c set theme = case when arch in ('drug', 'council') and ${h(11)} % 3 > 0 then drug_theme else device_theme end;
       update g_cand c set
         trade = case when ${themeColumn('kind')} = 'drug' then brand || 'mab'
                      else brand || ' ' || ${themeColumn('en')} || ' ' || model end,
         mfr = initcap(${pickSql(SYLLABLES, 'c.m')} || ${pickSql(SYLLABLES, 'c.m / 30')}) || ' '
               || ${pickSql(COMPANY_WORDS, 'c.m / 7')} || ' ' || ${pickSql(LEGAL, 'c.m / 3')},
         srn = ${pickSql(COUNTRIES, 'c.m / 3')} || '-MF-' || lpad(c.m::text, 9, '0');
       create index on g_cand (i);
       analyze g_cand;`,
    ],
    [
      'items (staging)',
      // One row per item: its candidate, source, kind, key, title, url, date, RawItem and how the
      // resolver linked it. `main` marks the item a candidate was created from.
      `create unlogged table g_item (
         cand int not null, main boolean not null, shared_with int, source_id text not null, kind text not null,
         item_key text not null, title text not null, url text not null, published text, data jsonb not null,
         reason text not null, identity_key text not null, observed_status text, day int not null,
         history text, history_disc text);
       ${itemInserts(h, day)}
       update g_item set day = least(719, greatest(0, day)) where day not between 0 and 719;
       alter table g_item add column item_id bigserial;
       create index on g_item (cand) where main;
       analyze g_item;`,
    ],
    [
      'source_items',
      `with sn as (select id, row_number() over (order by id) as n from sources)
       insert into source_items (id, source_id, item_key, kind, title, url, published_at, content_hash, source_version,
                                 data, first_snapshot_id, last_snapshot_id, first_seen_at, last_seen_at, changed_at)
       select g.item_id, g.source_id, g.item_key, g.kind, g.title, g.url, g.published,
              encode(sha256(convert_to(g.data::text, 'UTF8')), 'hex'), g.data->>'sourceVersion', g.data,
              (g.day / 3) * 64 + sn.n, (g.day / 3) * 64 + sn.n,
              timestamp ${sql(BASE_DATE)} - make_interval(days => 720 - g.day) + interval '1 hour',
              timestamp ${sql(BASE_DATE)} - make_interval(days => 720 - g.day) + interval '1 hour',
              timestamp ${sql(BASE_DATE)} - make_interval(days => 720 - g.day) + interval '1 hour'
       from g_item g join sn on sn.id = g.source_id
       order by g.item_id;
       select setval(pg_get_serial_sequence('source_items', 'id'), (select max(id) from source_items));`,
    ],
    [
      'candidates',
      `insert into candidates (id, kind, name, resolved_name, manufacturer, identifiers, first_run_id, created_at, updated_at)
       select c.id,
              case when c.arch = 'method' then 'method' else ${themeColumn('kind')} end,
              m.title, m.title, null, '[]',
              bench_uuid('run ' || least(239, c.day / 3)),
              timestamp ${sql(BASE_DATE)} - make_interval(days => 720 - c.day, secs => c.second),
              timestamp ${sql(BASE_DATE)} - make_interval(days => 720 - c.day, secs => c.second)
                + make_interval(days => ${h(12)} % 60)
       from g_cand c join g_item m on m.cand = c.i and m.main
       order by c.id;`,
    ],
    [
      'evidence',
      `insert into evidence (candidate_id, item_id, reason, confidence, linked_at, identity_key, observed_status)
       select c.id, g.item_id, g.reason, 1,
              timestamp ${sql(BASE_DATE)} - make_interval(days => 720 - g.day) + interval '1 hour',
              g.identity_key, g.observed_status
       from g_item g join g_cand c on c.i = g.cand
       union all
       select c.id, g.item_id, g.reason, 0.9,
              timestamp ${sql(BASE_DATE)} - make_interval(days => 720 - g.day) + interval '1 hour',
              g.identity_key, g.observed_status
       from g_item g join g_cand c on c.i = g.shared_with
       where g.shared_with is not null;`,
    ],
    [
      'candidate_keys',
      `insert into candidate_keys (scheme, value, candidate_id)
       select split_part(g.identity_key, ':', 1), substr(g.identity_key, length(split_part(g.identity_key, ':', 1)) + 2), c.id
       from g_item g join g_cand c on c.i = g.cand
       union all
       select 'basic-udi-di', g.data->'product'->>'basicUdiDi', c.id
       from g_item g join g_cand c on c.i = g.cand
       where g.main and g.source_id = 'eudamed-devices'
       on conflict do nothing;`,
    ],
    [
      'candidate_history',
      `insert into candidate_history (event_key, candidate_id, kind, item_id, source_id, run_id, occurred_on, details, created_at)
       select 'first-seen:' || c.id, c.id, 'first-seen', g.item_id, g.source_id, bench_uuid('run ' || least(239, c.day / 3)),
              g.published, jsonb_build_object('title', g.title, 'url', g.url),
              timestamp ${sql(BASE_DATE)} - make_interval(days => 720 - c.day)
       from g_item g join g_cand c on c.i = g.cand where g.main
       union all
       select distinct on (c.id, g.source_id) 'new-source:' || c.id || ':' || g.source_id, c.id, 'new-source', g.item_id,
              g.source_id, bench_uuid('run ' || least(239, g.day / 3)), g.published,
              jsonb_build_object('title', g.title, 'url', g.url),
              timestamp ${sql(BASE_DATE)} - make_interval(days => 720 - g.day)
       from g_item g join g_cand c on c.i = g.cand
       where not g.main and g.source_id <> (select m.source_id from g_item m where m.cand = g.cand and m.main)
       union all
       select g.history || ':' || c.id || ':' || g.item_id || ':' || coalesce(g.history_disc, ''), c.id, g.history,
              g.item_id, g.source_id, bench_uuid('run ' || least(239, g.day / 3)), g.published,
              jsonb_build_object('title', g.title, 'url', g.url)
                || case when g.kind = 'trial' then jsonb_build_object('status', g.observed_status) else '{}' end,
              timestamp ${sql(BASE_DATE)} - make_interval(days => 720 - g.day)
       from g_item g join g_cand c on c.i = g.cand where g.history is not null;`,
    ],
    [
      'reviewer state',
      `insert into users (id, username, display_name, role, password_hash)
       values (bench_uuid('bench reviewer'), 'bench-granskare', 'Greta Granskare', 'reviewer', null);
       insert into decisions (candidate_id, version, action, reason_code, comment, actor_id, actor_name, actor_role,
                              client_request_id, before, after, created_at)
       select c.id, 1, d.action, d.reason, null, bench_uuid('bench reviewer'), 'Greta Granskare', 'reviewer',
              bench_uuid('decision ' || c.i),
              '{"status":"open","watched":false,"version":0}',
              jsonb_build_object('status', case d.action when 'nominate' then 'nominated' when 'dismiss' then 'dismissed' else 'open' end,
                                 'watched', d.action = 'watch', 'version', 1),
              timestamp ${sql(BASE_DATE)} - make_interval(days => greatest(0, 700 - c.day))
       from g_cand c
       cross join lateral (select case when ${h(30)} % 10 < 3 then 'nominate' when ${h(30)} % 10 < 7 then 'dismiss' else 'watch' end as action) a
       cross join lateral (select a.action, case when a.action = 'dismiss' then ${pickSql(DISMISS, h(31))} end as reason) d
       where ${h(29)} % 100 < 2;
       insert into candidate_state (candidate_id, status, watched, version, reason_code, last_decision_id, updated_at)
       select candidate_id, after->>'status', (after->>'watched')::boolean, 1, reason_code, id, created_at from decisions;
       insert into possible_duplicates (candidate_a, candidate_b, score, reason)
       select least(c.id, o.id), greatest(c.id, o.id), 0.8, 'liknande namn'
       from g_cand c join g_cand o on o.i = c.i + 1
       where ${h(32)} % 1000 < 3
       on conflict do nothing;`,
    ],
  ];
}

/** The `insert into g_item` statements, one per kind of item. */
function itemInserts(h: (salt: number, of?: string) => string, day: (expr: string) => string): string {
  const theme = themeColumn;
  const nct = `'NCT0' || lpad((5000000 + c.i)::text, 7, '0')`;
  const trialStatus = pickSql(TRIAL_STATUSES, h(40));
  const productFacts = (extra = '') =>
    `jsonb_build_object('tradeName', c.trade, 'manufacturer', c.mfr${extra})`;
  // A product's generic name for a drug: the brand without its capital and suffix.
  const generic = `lower(c.brand) || ${pickSql(['mab', 'tinib', 'tid', 'parib'], h(41))}`;
  const insert = (
    select: string,
  ) => `insert into g_item (cand, main, shared_with, source_id, kind, item_key, title, url,
      published, data, reason, identity_key, observed_status, day, history, history_disc) ${select};`;

  const eudamed = (main: string, where: string) => {
    const udi = `bench_gtin('0' || lpad((7000000000 + c.i)::text, 12, '0'))`;
    const kind = `${theme('kind')}`;
    const risk = `'refdata.risk-class.' || case when ${kind} = 'ivd' then ${pickSql(RISK_IVD, h(42))} else ${pickSql(RISK_DEVICE, h(42))} end`;
    const legislation = `case when ${h(43)} % 20 = 0 then 'mdd' when ${kind} = 'ivd' then 'ivdr' else 'mdr' end`;
    const market = pickSql(MARKET, h(44));
    return insert(`select c.i, ${main}, null::int, 'eudamed-devices', ${kind}, u.udi, c.trade,
        'https://ec.europa.eu/tools/eudamed/#/screen/search-device/' || md5('device ' || c.i)::uuid,
        null, jsonb_strip_nulls(jsonb_build_object('itemKey', u.udi, 'kind', ${kind}, 'title', c.trade,
          'url', 'https://ec.europa.eu/tools/eudamed/#/screen/search-device/' || md5('device ' || c.i)::uuid,
          'product', jsonb_build_object('udiDi', u.udi, 'basicUdiDi', substr(u.udi, 2, 7) || upper(c.brand) || c.m,
             'tradeName', c.trade, 'manufacturer', c.mfr, 'manufacturerSrn', c.srn, 'riskClass', ${risk},
             'legislation', ${legislation}, 'marketStatus', ${market},
             'emdnCodes', jsonb_build_array(${theme('emdn')} || lpad((${h(45)} % 100)::text, 2, '0')))
             || case when ${theme('implant')} = 'true' then '{"implantable": true}'::jsonb else '{}' end,
          'updatedAt', ${day(`c.day + ${h(46)} % 30`)}, 'sourceVersion', (1 + ${h(47)} % 4)::text)),
        'UDI-DI ' || u.udi || ' i registret', 'udi-di:' || u.udi, ${market}, c.day, null, null
      from g_cand c cross join lateral (select ${udi} as udi) u where ${where}`);
  };

  const trial = (main: string, where: string, offset: string) =>
    insert(`select c.i, ${main}, null::int, 'clinicaltrials', 'trial', ${nct},
        ${pickSql(['A Study of the ', 'Safety and Performance of the ', 'Randomised Trial of the ', 'Early Feasibility Study of the '], h(48))}
          || c.trade || ' in Adults With ' || initcap(${theme('condEn')}),
        'https://clinicaltrials.gov/study/' || ${nct}, ${day(`c.day - 40 + ${offset}`)},
        jsonb_build_object('itemKey', ${nct}, 'kind', 'trial',
          'title', ${pickSql(['A Study of the ', 'Safety and Performance of the ', 'Randomised Trial of the ', 'Early Feasibility Study of the '], h(48))}
            || c.trade || ' in Adults With ' || initcap(${theme('condEn')}),
          'url', 'https://clinicaltrials.gov/study/' || ${nct}, 'product', ${productFacts()},
          'summary', 'Status: ' || ${trialStatus} || '. Sites: Sweden (' || ${pickSql(['Stockholm', 'Göteborg', 'Lund', 'Uppsala', 'Umeå', 'Linköping'], h(49))}
             || '). The purpose of this study is to evaluate the safety and effectiveness of the ' || c.trade
             || ' in adults with ' || ${theme('condEn')} || ', compared with current standard care.',
          'language', 'en', 'publishedAt', ${day(`c.day - 40 + ${offset}`)}, 'updatedAt', ${day(`c.day + ${offset}`)},
          'sourceVersion', ${day(`c.day + ${offset}`)}, 'publicationType', 'interventional',
          'references', jsonb_build_array(jsonb_build_object('scheme', 'nct', 'value', ${nct}))),
        'produktnamnet ”' || c.trade || '” i källans strukturerade uppgifter', 'product:' || lower(c.trade),
        ${trialStatus}, c.day + ${offset},
        case when ${trialStatus} = 'COMPLETED' then 'trial-completed' when ${trialStatus} in ('RECRUITING', 'ACTIVE_NOT_RECRUITING') then 'trial-started' end,
        case when ${trialStatus} = 'COMPLETED' then 'completed' when ${trialStatus} in ('RECRUITING', 'ACTIVE_NOT_RECRUITING') then 'started' end
      from g_cand c where ${where}`);

  const fda = (main: string, where: string, offset: string) => {
    // Unique per candidate at any size (real 510(k) numbers have six digits; a million need seven).
    const key = `'K' || (1000000 + c.i)::text`;
    return insert(`select c.i, ${main}, null::int, 'openfda-devices', 'device', ${key},
        c.trade || ' (510(k) ' || ${key} || ')',
        'https://www.accessdata.fda.gov/scripts/cdrh/cfdocs/cfpmn/pmn.cfm?ID=' || ${key}, ${day(`c.day - 90 + ${offset}`)},
        jsonb_build_object('itemKey', ${key}, 'kind', 'device', 'title', c.trade || ' (510(k) ' || ${key} || ')',
          'url', 'https://www.accessdata.fda.gov/scripts/cdrh/cfdocs/cfpmn/pmn.cfm?ID=' || ${key},
          'product', ${productFacts()},
          'summary', '510(k) clearance. Applicant: ' || c.mfr || '. ' || ${theme('en')} || ' intended for patients with '
             || ${theme('condEn')} || '. Decision: substantially equivalent (SESE).',
          'language', 'en', 'publishedAt', ${day(`c.day - 90 + ${offset}`)}, 'publicationType', '510(k)',
          'references', jsonb_build_array(jsonb_build_object('scheme', 'fda-510k', 'value', ${key}))),
        'produktnamnet ”' || c.trade || '” i källans strukturerade uppgifter', 'product:' || lower(c.trade),
        null, c.day + ${offset}, null, null
      from g_cand c where ${where}`);
  };

  const certificate = (where: string) => {
    const nb = pickSql(['0123', '0197', '0044', '2797', '0051', '0459'], h(50));
    const cert = `'MDR ' || (600000 + c.i)::text || ' ' || lpad((${h(51)} % 100)::text, 4, '0')`;
    return insert(`select c.i, false, null::int, 'eudamed-certificates', 'certificate', ${nb} || ':' || ${cert},
        'MDR technical documentation certificate ' || ${cert} || ' (notified body ' || ${nb} || ')',
        'https://ec.europa.eu/tools/eudamed/#/screen/certificates/' || md5('certificate ' || c.i)::uuid,
        ${day(`c.day + ${h(52)} % 200`)},
        jsonb_build_object('itemKey', ${nb} || ':' || ${cert}, 'kind', 'certificate',
          'title', 'MDR technical documentation certificate ' || ${cert} || ' (notified body ' || ${nb} || ')',
          'url', 'https://ec.europa.eu/tools/eudamed/#/screen/certificates/' || md5('certificate ' || c.i)::uuid,
          'summary', 'Manufacturer: ' || c.mfr || ' (' || c.srn || '). Status: issued. Valid from '
             || ${day(`c.day + ${h(52)} % 200`)} || ' until ' || ${day(`c.day + ${h(52)} % 200 + 1825`)} || '.',
          'language', 'en', 'publishedAt', ${day(`c.day + ${h(52)} % 200`)}, 'sourceVersion', '1',
          'publicationType', 'MDR technical documentation certificate',
          'references', jsonb_build_array(jsonb_build_object('scheme', 'certificate', 'value', upper(${cert})),
                                          jsonb_build_object('scheme', 'notified-body', 'value', ${nb}))),
        'tillverkarens SRN ' || c.srn || ' och produktens grundläggande UDI-DI i certifikatet', 'product:' || lower(c.trade),
        null, c.day + ${h(52)} % 200, 'certificate-issued', ''
      from g_cand c where ${where}`);
  };

  const safetyNotice = (where: string, offset: string, salt: number) => {
    const slug = `'sakerhetsmeddelande-' || lower(c.brand) || '-' || c.i || '-' || ${salt}`;
    return insert(`select c.i, false, null::int, 'lakemedelsverket-fsn', 'safety-notice',
        '/sv/medicinteknik/sakerhetsmeddelanden/' || ${slug},
        'Säkerhetsmeddelande: ' || c.trade || ' – ' || ${pickSql(FSN_RISKS, h(53))},
        'https://www.lakemedelsverket.se/sv/medicinteknik/sakerhetsmeddelanden/' || ${slug}, ${day(`c.day + ${offset}`)},
        jsonb_build_object('itemKey', '/sv/medicinteknik/sakerhetsmeddelanden/' || ${slug}, 'kind', 'safety-notice',
          'title', 'Säkerhetsmeddelande: ' || c.trade || ' – ' || ${pickSql(FSN_RISKS, h(53))},
          'url', 'https://www.lakemedelsverket.se/sv/medicinteknik/sakerhetsmeddelanden/' || ${slug},
          'product', ${productFacts()},
          'summary', 'Tillverkaren ' || c.mfr || ' informerar om ' || ${pickSql(FSN_RISKS, h(53))} || ' för ' || c.trade
             || '. Användare ska följa tillverkarens anvisningar.',
          'language', 'sv', 'publishedAt', ${day(`c.day + ${offset}`)}, 'publicationType', 'Säkerhetsmeddelande'),
        'produktnamnet ”' || c.trade || '” i källans strukturerade uppgifter', 'product:' || lower(c.trade),
        null, c.day + ${offset}, 'safety-notice', ''
      from g_cand c where ${where}`);
  };

  // A regional HTA report naming the product (`withProduct`) or about a method (the candidate's
  // own report). One in ten product reports is about this product and the next one.
  const regionalHta = (main: string, where: string, offset: string, withProduct: boolean, salt: number) => {
    const region = `${h(salt)} % 4`;
    const titleSql = withProduct
      ? `initcap(${theme('sv')}) || ' (' || c.trade || ') vid ' || ${theme('condSv')} || ' – en metodvärdering'`
      : `initcap(${theme('sv')}) || ' vid ' || ${theme('condSv')} || ' – ' || ${pickSql(METHOD_SUFFIXES, h(salt + 1))}`;
    const slug = `'hta-' || c.i || '-' || ${salt}`;
    const url = `(${sqlArray(HTA_HOSTS)})[1 + ${region}] || ${slug} || '.pdf'`;
    return insert(`select c.i, ${main}, ${withProduct ? `case when ${h(salt + 2)} % 10 = 0 and c.i < (select max(i) from g_cand) then c.i + 1 end` : 'null::int'},
        (${sqlArray(HTA_SOURCES)})[1 + ${region}], 'hta-report', '/' || ${slug} || '.pdf', ${titleSql}, ${url},
        ${day(`c.day + ${offset}`)},
        jsonb_build_object('itemKey', '/' || ${slug} || '.pdf', 'kind', 'hta-report', 'title', ${titleSql}, 'url', ${url},
          'region', (${sqlArray(REGIONS)})[1 + ${region}], 'language', 'sv', 'publishedAt', ${day(`c.day + ${offset}`)},
          'summary', 'Frågan är om ' || ${theme('sv')} || ' ger bättre utfall än nuvarande behandling för patienter med '
             || ${theme('condSv')} || '. Rapporten omfattar effekt, säkerhet, kostnader och etiska aspekter.',
          'publicationType', 'HTA-rapport'),
        ${withProduct ? `'produktnamn nämns i titeln: ”' || c.trade || '”'` : `'HTA-rapport utan produktnamn (metod)'`},
        ${withProduct ? `'product:' || lower(c.trade)` : `'item:' || (${sqlArray(HTA_SOURCES)})[1 + ${region}] || ':/' || ${slug} || '.pdf'`},
        null, c.day + ${offset}, 'hta-published', ''
      from g_cand c where ${where}`);
  };

  const sbu = (main: string, where: string, offset: string, withProduct: boolean, salt: number) => {
    const slug = `'sbu-' || c.i || '-' || ${salt} || '-' || lower(c.brand)`;
    const titleSql = withProduct
      ? `initcap(${theme('sv')}) || ' med ' || c.trade || ' vid ' || ${theme('condSv')}`
      : `initcap(${theme('sv')}) || ' vid ' || ${theme('condSv')}`;
    return insert(`select c.i, ${main}, null::int, 'sbu-publications', 'hta-report', '/sv/publikationer/' || ${slug},
        ${titleSql}, 'https://www.sbu.se/sv/publikationer/' || ${slug} || '/', ${day(`c.day + ${offset}`)},
        jsonb_build_object('itemKey', '/sv/publikationer/' || ${slug}, 'kind', 'hta-report', 'title', ${titleSql},
          'url', 'https://www.sbu.se/sv/publikationer/' || ${slug} || '/', 'language', 'sv',
          'publishedAt', ${day(`c.day + ${offset}`)}, 'publicationType', ${pickSql(['SBU Utvärderar', 'Regional HTA', 'SBU Kommentar'], h(54))},
          'summary', 'Utvärdering av ' || ${theme('sv')} || ' för patienter med ' || ${theme('condSv')} || '. Rapporten omfattar även en hälsoekonomisk analys.'),
        ${withProduct ? `'produktnamn nämns i titeln: ”' || c.trade || '”'` : `'HTA-rapport utan produktnamn (metod)'`},
        ${withProduct ? `'product:' || lower(c.trade)` : `'item:sbu-publications:/sv/publikationer/' || ${slug}`},
        null, c.day + ${offset}, 'hta-published', ''
      from g_cand c where ${where}`);
  };

  const tlv = (where: string, offset: string) => {
    const slug = `'halsoekonomisk-bedomning-av-' || lower(c.brand) || '-' || c.i || '.html'`;
    return insert(`select c.i, false, null::int, 'tlv', 'hta-report', '/medicinteknik/bedomningar/' || ${slug},
        'Hälsoekonomisk bedömning av ' || c.trade || ' vid ' || ${theme('condSv')},
        'https://www.tlv.se/medicinteknik/bedomningar/' || ${slug}, ${day(`c.day + ${offset}`)},
        jsonb_build_object('itemKey', '/medicinteknik/bedomningar/' || ${slug}, 'kind', 'hta-report',
          'title', 'Hälsoekonomisk bedömning av ' || c.trade || ' vid ' || ${theme('condSv')},
          'url', 'https://www.tlv.se/medicinteknik/bedomningar/' || ${slug}, 'language', 'sv',
          'publishedAt', ${day(`c.day + ${offset}`)},
          'summary', 'TLV har på uppdrag av MTP-rådet bedömt kostnadseffektiviteten för ' || c.trade || ' hos patienter med ' || ${theme('condSv')} || '.'),
        'produktnamn nämns i titeln: ”' || c.trade || '”', 'product:' || lower(c.trade),
        null, c.day + ${offset}, 'hta-published', ''
      from g_cand c where ${where}`);
  };

  const nyeMetoder = (main: string, where: string, offset: string) => {
    const id = `'ID2026_' || lpad(c.i::text, 7, '0')`;
    const kind = `case when ${theme('kind')} = 'drug' then 'drug' else 'device' end`;
    const titleSql = `case when ${theme('kind')} = 'drug' then initcap(${generic}) || ' (' || c.trade || ') – ' || ${theme('condNo')}
                           else initcap(${theme('en')}) || ' (' || c.trade || ') ved ' || ${theme('condNo')} end`;
    return insert(`select c.i, ${main}, null::int, 'nye-metoder', ${kind}, ${id}, ${titleSql},
        'https://www.nyemetoder.no/metoder/' || lower(c.brand) || '-' || c.i || '/', null,
        jsonb_build_object('itemKey', ${id}, 'kind', ${kind}, 'title', ${titleSql},
          'url', 'https://www.nyemetoder.no/metoder/' || lower(c.brand) || '-' || c.i || '/', 'language', 'no',
          'updatedAt', ${day(`c.day + ${offset}`)}, 'sourceVersion', 'Metodevarsel ' || ${day(`c.day + ${offset}`)},
          'publicationType', 'Metodevarsel',
          'references', jsonb_build_array(jsonb_build_object('scheme', 'nye-metoder', 'value', ${id}))),
        'produktnamn nämns i titeln: ”' || c.trade || '”', 'product:' || lower(c.trade),
        null, c.day + ${offset}, null, null
      from g_cand c where ${where}`);
  };

  const council = (main: string, where: string, offset: string) => {
    const slug = `'/produktinfo/' || lower(c.brand) || '-' || c.i`;
    const drug = `${theme('kind')} = 'drug'`;
    return insert(`select c.i, ${main}, null::int, 'council-lists', 'council-decision', ${slug},
        c.trade || case when ${drug} then ' (' || ${generic} || ')' else '' end,
        'https://samverkanlakemedel.se' || ${slug}, ${day(`c.day + ${offset}`)},
        jsonb_build_object('itemKey', ${slug}, 'kind', 'council-decision',
          'title', c.trade || case when ${drug} then ' (' || ${generic} || ')' else '' end,
          'url', 'https://samverkanlakemedel.se' || ${slug}, 'product', jsonb_build_object('tradeName', c.trade),
          'summary', case when ${drug} then 'NT-rådet rekommenderar regionerna att använda ' || c.trade || ' vid ' || ${theme('condSv')} || '.'
                          else 'MTP-rådet rekommenderar regionerna att avvakta med att använda ' || c.trade || '.' end,
          'language', 'sv', 'publishedAt', ${day(`c.day + ${offset}`)},
          'publicationType', case when ${drug} then 'NT-rådets rekommendation' else 'MTP-rådets rekommendation' end),
        'produktnamnet ”' || c.trade || '” i källans strukturerade uppgifter', 'product:' || lower(c.trade),
        null, c.day + ${offset}, null, null
      from g_cand c where ${where}`);
  };

  const notMethod = `c.arch <> 'method'`;
  const device = `${notMethod} and ${themeColumn('kind')} <> 'drug'`;
  const later = (salt: number) => `(20 + ${h(salt)} % 300)`;
  // Much-discussed products: 3–10 further reports, notices and trials.
  const heavy = (k: number) => `${notMethod} and ${h(60)} % 1000 < 5 and ${h(61)} % 8 + 3 >= ${k}`;
  return [
    eudamed('true', `c.arch = 'reg'`),
    trial('true', `c.arch = 'trial'`, '0'),
    fda('true', `c.arch = 'fda'`, '0'),
    regionalHta('true', `c.arch = 'method' and ${h(62)} % 3 > 0`, '0', false, 70),
    sbu('true', `c.arch = 'method' and ${h(62)} % 3 = 0`, '0', false, 1),
    nyeMetoder('true', `c.arch = 'drug'`, '0'),
    council('true', `c.arch = 'council'`, '0'),
    // Further evidence.
    certificate(`c.arch in ('reg', 'trial') and ${device} and ${h(63)} % 100 < 10`),
    trial('false', `c.arch in ('reg', 'fda', 'drug') and ${h(64)} % 100 < 5`, later(65)),
    fda('false', `c.arch in ('reg', 'trial') and ${device} and ${h(66)} % 100 < 3`, later(67)),
    safetyNotice(`c.arch in ('reg', 'fda') and ${device} and ${h(68)} % 1000 < 20`, later(69), 1),
    regionalHta('false', `${notMethod} and ${h(71)} % 1000 < 15`, later(72), true, 80),
    regionalHta('false', `c.arch = 'method' and ${h(73)} % 100 < 20`, later(74), false, 90),
    sbu('false', `${notMethod} and ${h(75)} % 1000 < 7`, later(76), true, 2),
    tlv(`${device} and ${h(77)} % 1000 < 5`, later(78)),
    nyeMetoder('false', `${notMethod} and c.arch <> 'drug' and ${h(79)} % 1000 < 3`, later(81)),
    council('false', `${notMethod} and c.arch <> 'council' and ${h(82)} % 1000 < 2`, later(83)),
    ...[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((k) =>
      k % 3 === 1
        ? regionalHta('false', heavy(k), later(100 + k), true, 200 + 3 * k)
        : k % 3 === 2
          ? safetyNotice(`${heavy(k)} and ${device}`, later(100 + k), 10 + k)
          : sbu('false', heavy(k), later(100 + k), true, 10 + k),
    ),
  ].join('\n');
}

/** Where the candidates' initial scores go before they become `scores` rows. */
function copyLine(values: ReadonlyArray<string | number | boolean | null>): string {
  return `${values
    .map((v) =>
      v === null
        ? '\\N'
        : String(v).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r'),
    )
    .join('\t')}\n`;
}

/**
 * Scores every candidate with `scoring` through {@link scoreInMemory} and writes the results as
 * the score stage would have: a `scores` row per candidate (COPY), then the candidate's derived
 * facts and current score in one statement.
 */
async function scoreWorld(db: Db, scoring: Scoring): Promise<number> {
  await db.query(`create unlogged table g_facts (candidate_id uuid primary key, name text, manufacturer text,
    kind text, identifiers jsonb)`);
  let count = 0;
  const client = await db.connect();
  const copy = async (table: string, text: string) => {
    await streamPipeline(Readable.from([text]), client.query(copyFrom(`copy ${table} from stdin`)));
  };
  try {
    // The next chunk loads, and the last one's rows are written, while this one is scored.
    const chunks = candidateChunks(db, 2000)[Symbol.asyncIterator]();
    let next = chunks.next();
    let written: Promise<void> = Promise.resolve();
    for (;;) {
      const { value: chunk, done } = await next;
      if (done === true) break;
      next = chunks.next();
      let scores = '';
      let facts = '';
      for (const candidate of chunk) {
        const { view, result } = scoreInMemory(
          candidate.id,
          candidate.resolvedName,
          candidate.evidence,
          scoring,
        );
        facts += copyLine([
          candidate.id,
          view.name,
          view.manufacturer ?? null,
          view.kind,
          JSON.stringify(view.identifiers),
        ]);
        scores += copyLine([
          candidate.id,
          result.criteriaVersion,
          sha256(canonicalJson(result)),
          result.total,
          result.band,
          result.council,
          result.nominate,
          JSON.stringify(result),
        ]);
      }
      await written;
      written = (async () => {
        await copy('g_facts', facts);
        await copy(
          'scores (candidate_id, criteria_version, input_hash, total, band, council, nominate, result)',
          scores,
        );
      })();
      count += chunk.length;
    }
    await written;
  } finally {
    client.release();
  }
  const t = performance.now();
  await db.query(`update candidates c set name = f.name, manufacturer = f.manufacturer, kind = f.kind,
      identifiers = f.identifiers, current_score_id = s.id
    from g_facts f join scores s on s.candidate_id = f.candidate_id
    where c.id = f.candidate_id`);
  log(
    `scale world: candidates' facts and current scores set in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
  return count;
}

/** Reports (and half of them a scan nomination) for 1 % of candidates, on their current score. */
const REPORTS_SQL = `
  insert into reports (candidate_id, version, input_hash, score_id, band, markdown, json, run_id, created_at)
  select c.id, 1, md5('report ' || g.i), s.id, s.band,
         '# Tidig bedömningsrapport: ' || c.name || E'\\n\\n## Sammanfattning\\n\\n' || c.name
           || ' bedöms med ' || s.total || ' poäng (' || s.band || ') och hänvisas till ' || s.council
           || E'.\\n\\n## Underlag\\n\\n' || repeat('Underlaget omfattar registeruppgifter, studier och rapporter. ', 20),
         jsonb_build_object('candidateId', c.id, 'name', c.name, 'total', s.total, 'band', s.band),
         c.first_run_id, c.updated_at
  from g_cand g join candidates c on c.id = g.id join scores s on s.id = c.current_score_id
  where bench_h(g.i, 33) % 100 = 0;
  insert into nominations (candidate_id, report_id, origin, queue_job_id, payload, enqueued_at, created_at)
  select r.candidate_id, r.id, 'scan', 'nomination:' || r.id, jsonb_build_object('candidateId', r.candidate_id), r.created_at, r.created_at
  from reports r where r.id % 2 = 0;`;

async function sourcesFromConfig(): Promise<Array<{ id: string; adapter: string }>> {
  const { sources } = await loadConfig(CONFIG_DIR);
  return sources.map((s) => ({ id: s.id, adapter: s.adapterId }));
}

/** The tables whose triggers keep `candidate_rows` current (migration 0090). */
const ROW_TRIGGER_TABLES = [
  'candidates',
  'evidence',
  'candidate_state',
  'nominations',
  'reports',
  'source_items',
  'scores',
];

/**
 * `candidate_rows`, `candidate_search` and `candidate_npo` of every candidate, as the triggers would have written
 * them: the same function (`horisont_rows_refresh`), in chunks on both connections, into tables
 * without their secondary indexes, which are built afterwards (far faster than maintaining a
 * trigram index row by row).
 */
async function buildCandidateRows(db: Db, n: number): Promise<void> {
  const t = performance.now();
  const indexes = (
    await db.query<{ indexname: string; indexdef: string }>(
      `select indexname, indexdef from pg_indexes
       where schemaname = current_schema() and tablename in ('candidate_rows', 'candidate_npo', 'candidate_search')
         and indexname not like '%_pkey'`,
    )
  ).rows;
  for (const index of indexes) await db.query(`drop index ${index.indexname}`);
  const ids = (await db.query<{ id: string }>('select id from candidates order by id')).rows.map((r) => r.id);
  const chunks: string[][] = [];
  for (let i = 0; i < ids.length; i += 10_000) chunks.push(ids.slice(i, i + 10_000));
  await Promise.all(
    [0, 1].map(async () => {
      for (let chunk = chunks.shift(); chunk !== undefined; chunk = chunks.shift()) {
        await db.query('select horisont_rows_refresh($1::uuid[])', [chunk]);
      }
    }),
  );
  const built = performance.now();
  await Promise.all(
    [0, 1].map(async (k) => {
      const client = await db.connect();
      try {
        await client.query(`set maintenance_work_mem = '512MB'`);
        for (const index of indexes.filter((_, i) => i % 2 === k)) await client.query(index.indexdef);
      } finally {
        client.release();
      }
    }),
  );
  log(
    `scale world ${n}: candidate_rows ${((built - t) / 1000).toFixed(1)} s, their indexes ${((performance.now() - built) / 1000).toFixed(1)} s`,
  );
}

/** Creates the world of `candidates` candidates in a new schema; returns what it holds. */
export async function createScaleWorld(databaseUrl: string, candidates: number): Promise<ScaleWorld> {
  const schema = `bench_scale_${randomUUID().replace(/-/g, '').slice(0, 10)}_${candidates}`;
  const started = performance.now();
  const silent = createLogger('silent');
  const db = createDb({ url: databaseUrl, schema, applicationName: 'bench-scale-world', max: 2 }, silent);
  try {
    await migrate(db, schema);
    // The workbench's rows (migration 0090) are built once at the end, not by their triggers
    // after every generation statement.
    for (const table of ROW_TRIGGER_TABLES) await db.query(`alter table ${table} disable trigger user`);
    // Bulk generation: more memory for the sorts and index builds of one session; synchronous
    // commit off because a lost generation is simply generated again.
    await db.query(`set work_mem = '256MB'`);
    for (const source of await sourcesFromConfig()) {
      await db.query('insert into sources (id, adapter, enabled) values ($1, $2, true)', [
        source.id,
        source.adapter,
      ]);
    }
    const client = await db.connect();
    try {
      await client.query(
        `set work_mem = '256MB'; set maintenance_work_mem = '512MB'; set synchronous_commit = off`,
      );
      for (const [what, statement] of generationSql(candidates)) {
        const t = performance.now();
        await client.query(statement);
        log(`scale world ${candidates}: ${what} ${((performance.now() - t) / 1000).toFixed(1)} s`);
      }
      await client.query('analyze');
    } finally {
      client.release();
    }
    const generateSeconds = (performance.now() - started) / 1000;
    const t = performance.now();
    const scoring = await loadScoring();
    const scored = await scoreWorld(db, scoring);
    await db.query(REPORTS_SQL);
    await db.query('drop table g_facts, g_item, g_cand');
    await db.query('drop function bench_h(bigint, int), bench_uuid(text), bench_gtin(text)');
    await buildCandidateRows(db, candidates);
    for (const table of ROW_TRIGGER_TABLES) await db.query(`alter table ${table} enable trigger user`);
    // Vacuumed as well as analysed: index-only scans need the visibility map (autovacuum is off).
    await db.query('vacuum analyze');
    const scoreSeconds = (performance.now() - t) / 1000;
    log(`scale world ${candidates}: initial scores ${scoreSeconds.toFixed(1)} s`);
    const counts = (
      await db.query<{ items: string; evidence: string; scores: string; bytes: string }>(
        `select (select count(*) from source_items) as items, (select count(*) from evidence) as evidence,
                (select count(*) from scores) as scores,
                (select sum(pg_total_relation_size(format('%I.%I', schemaname, tablename)))
                   from pg_tables where schemaname = $1) as bytes`,
        [schema],
      )
    ).rows[0]!;
    return {
      schema,
      candidates,
      items: Number(counts.items),
      evidence: Number(counts.evidence),
      scores: Number(counts.scores),
      generateSeconds,
      scoreSeconds: scored > 0 ? scoreSeconds : 0,
      totalSeconds: (performance.now() - started) / 1000,
      bytes: Number(counts.bytes),
    };
  } catch (error) {
    await db.end();
    await dropScaleWorld(databaseUrl, schema);
    throw error;
  } finally {
    if (!db.ended) await db.end();
  }
}

/**
 * The world of `candidates` candidates: the one `bench/run.ts` created for this run
 * (`BENCH_SCALE_WORLD_<candidates>` names its schema, shared by W7 and W6), else a new one that
 * the caller owns and drops.
 */
export async function useScaleWorld(
  databaseUrl: string,
  candidates: number,
): Promise<{ world: ScaleWorld; owned: boolean }> {
  const schema = process.env[`BENCH_SCALE_WORLD_${candidates}`];
  if (schema === undefined || schema === '') {
    return { world: await createScaleWorld(databaseUrl, candidates), owned: true };
  }
  const world = JSON.parse(process.env[`BENCH_SCALE_WORLD_${candidates}_INFO`] ?? '{}') as ScaleWorld;
  return { world: { ...world, schema, candidates }, owned: false };
}

export async function dropScaleWorld(databaseUrl: string, schema: string): Promise<void> {
  if (!/^bench_scale_[a-z0-9_]+$/.test(schema)) throw new Error(`not a scale world: ${schema}`);
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    await admin.query(`drop schema if exists ${schema} cascade`);
  } finally {
    await admin.end();
  }
}
