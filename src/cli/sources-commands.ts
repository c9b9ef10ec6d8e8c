import type { Command } from 'commander';
import { configDirOf, withApp as withAppContext } from './with-app.js';
import { InvalidArgumentError } from 'commander';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from '../env.js';
import type { Env } from '../env.js';
import type { AppContext } from '../app/context.js';
import { DEFAULT_CONFIG_DIR, loadConfig } from '../config/load.js';
import type { ConfiguredSource, HorisontConfig } from '../config/load.js';
import { sourceEvidence } from '../config/evidence.js';
import type { SourceEvidence } from '../config/evidence.js';
import { errorKindOf, errorMessageOf, HorisontError } from '../domain/errors.js';
import { RawItem } from '../domain/item.js';
import { RECORDINGS_DIR, fixtureDocument, listFixtures } from '../fixtures/documents.js';
import type { RecordedFixture } from '../fixtures/documents.js';
import { Messages } from '../queue/messages.js';
import { readDocument } from '../sources/read.js';
import type { ReadResult } from '../sources/read.js';
import type { FetchedDocument, FetchRequest } from '../sources/types.js';
import { invalidCanary, resetYieldBaseline, sourceHealthDetails } from '../store/health.js';
import type { SourceHealthDetail } from '../store/health.js';
import { isoMinute, table } from './format.js';
import { oneLine } from '../text/one-line.js';
import { RUN_SOURCE_STATUS_LABELS, SOURCE_HEALTH_LABELS, label } from '../domain/labels.js';
import type { SourceLabels } from '../domain/labels.js';
import { NotFoundError } from './errors.js';

function withApp<T>(
  program: Command,
  work: (ctx: AppContext, env: Env) => Promise<T>,
  fetches = false,
): Promise<T> {
  return withAppContext(program, work, { logLevel: 'warn', fetches });
}

function sourceId(value: string): string {
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(value)) throw new InvalidArgumentError('väntade ett käll-id');
  return value;
}

/**
 * The `horisont sources` table: health with its reason, the yield history, whether the source's
 * addresses rest on public evidence, and the latest note; then every unverified address and why.
 */
export function formatSourceHealth(
  rows: SourceHealthDetail[],
  sourceLabels: SourceLabels,
  evidence: ReadonlyMap<string, SourceEvidence> = new Map(),
): string {
  const lines = [
    table(
      [
        'källa',
        'på',
        'hälsa',
        'senast',
        'poster',
        'skörd (nyast först)',
        'senast ok',
        'belägg',
        'orsak',
        'id',
      ],
      rows.map((row) => [
        label(sourceLabels, row.id),
        row.enabled ? 'ja' : 'nej',
        label(SOURCE_HEALTH_LABELS, row.health),
        label(RUN_SOURCE_STATUS_LABELS, row.last_outcome),
        String(row.items),
        row.recent_yields.length > 0
          ? `${row.recent_yields.slice(0, 5).join(' ')}${row.usual_items !== null ? ` (brukar ${row.usual_items})` : ''}`
          : '–',
        isoMinute(row.last_success_at),
        evidence.get(row.id)?.mark ?? '–',
        row.health !== 'ok' && row.last_error_kind
          ? `${row.last_error_kind} ${isoMinute(row.last_error_at)}: ${oneLine(row.last_error_message ?? '', 70)}`
          : '',
        row.id,
      ]),
    ),
  ];
  const notes = rows.filter((row) => row.note !== null);
  if (notes.length > 0) {
    lines.push('Anmärkningar (senaste 30 dagarna):');
    for (const row of notes) {
      lines.push(
        `  ${label(sourceLabels, row.id)} ${isoMinute(row.note_at)}: ${oneLine(row.note ?? '', 160)}`,
      );
    }
  }
  const unverified = rows.flatMap((row) =>
    (evidence.get(row.id)?.urls ?? [])
      .filter((url) => url.verified !== true)
      .map((url) => ({ id: row.id, ...url })),
  );
  if (unverified.length > 0) {
    lines.push('Adresser utan offentligt belägg (se docs/sources.md):');
    for (const url of unverified) {
      lines.push(
        `  ${label(sourceLabels, url.id)} ${url.url}: ${url.basis === null ? 'belägg ej angivet' : oneLine(url.basis, 160)}`,
      );
    }
  }
  return lines.join('\n');
}

/** The outcome of checking one source: fine, or the problem that would break it. */
export interface SourceCheck {
  sourceId: string;
  ok: boolean;
  /** What was checked and found, or the problem (kind and message). */
  detail: string;
  kind?: string;
}

/** Pages followed through recordings per request chain; enough for every recorded source. */
const MAX_RECORDED_PAGES = 50;

/** Host, path and query with parameters sorted: how the fixture server matches a request. */
function recordingKey(url: string): string {
  const parsed = new URL(url);
  const params = new URLSearchParams(parsed.search);
  params.sort();
  const query = params.toString();
  return `${parsed.host.toLowerCase()}${parsed.pathname}${query ? `?${query}` : ''}`;
}

/** Every served recording (not the `edge/` cases) under `root`, by the URL it was recorded from. */
function recordingsByUrl(root: string): Map<string, RecordedFixture> {
  const byUrl = new Map<string, RecordedFixture>();
  let dirs: string[];
  try {
    dirs = readdirSync(root, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
  } catch {
    return byUrl;
  }
  for (const dir of dirs) {
    for (const fixture of listFixtures(root, dir)) {
      if (!fixture.name.includes('/edge/')) byUrl.set(recordingKey(fixture.url), fixture);
    }
  }
  return byUrl;
}

/** The checks every parsed document must pass in the pipeline too (src/workers/parse.ts). */
function checkParsed(result: ReadResult): string | undefined {
  for (const [index, item] of result.items.entries()) {
    const checked = RawItem.safeParse(item);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      return `item ${index} invalid at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? ''}`;
    }
  }
  if (result.canaries) {
    const problem = invalidCanary(result.canaries);
    if (problem) return `invalid ${problem}`;
  }
  const planned = [...(result.next ? [result.next] : []), ...(result.details ?? []).map((d) => d.request)];
  return planned.length > 0 ? checkRequests(planned) : undefined;
}

/** Requests as the queue would carry them: valid URL, a key without `:`, keys unique. */
function checkRequests(requests: FetchRequest[]): string | undefined {
  const keys = new Set<string>();
  for (const request of requests) {
    const checked = Messages.fetch.shape.request.safeParse(request);
    if (!checked.success) return `request ${request.key}: ${checked.error.issues[0]?.message ?? 'invalid'}`;
    if (request.key.includes(':')) return `request key ${request.key} contains ':'`;
    if (keys.has(request.key)) return `request key ${request.key} planned twice`;
    keys.add(request.key);
  }
  return undefined;
}

function failure(sourceId: string, error: unknown): SourceCheck {
  return { sourceId, ok: false, kind: errorKindOf(error), detail: errorMessageOf(error) };
}

/**
 * Checks one configured source without the network: its adapter plans valid requests, and each
 * request chain that has recordings (demo/fixtures) parses into valid items, page after page.
 */
export function checkSourceOffline(
  source: ConfiguredSource,
  recordings: Map<string, RecordedFixture>,
  recordingsDir?: string,
): SourceCheck {
  let requests: FetchRequest[];
  try {
    requests = source.adapter.requests(source);
  } catch (error) {
    return failure(source.id, error);
  }
  if (requests.length === 0) {
    return { sourceId: source.id, ok: false, kind: 'config', detail: 'plans no request' };
  }
  const invalid = checkRequests(requests);
  if (invalid) return { sourceId: source.id, ok: false, kind: 'config', detail: invalid };

  let pages = 0;
  let items = 0;
  let unrecorded = 0;
  for (const first of requests) {
    let request: FetchRequest | undefined = first;
    for (let page = 0; request && page < MAX_RECORDED_PAGES; page++) {
      const recording = recordings.get(recordingKey(request.url));
      if (!recording) {
        if (page === 0) unrecorded++;
        break;
      }
      const status = recording.status;
      if ((status < 200 || status >= 300) && source.adapter.acceptStatuses?.includes(status) !== true) {
        return {
          sourceId: source.id,
          ok: false,
          kind: status >= 500 ? 'http-5xx' : 'http-4xx',
          detail: `the recording of ${request.key} has HTTP ${status}`,
        };
      }
      let result: ReadResult;
      try {
        result = readDocument(source.adapter, fixtureDocument(recording, request.url, request.key), source);
      } catch (error) {
        return failure(source.id, error);
      }
      const problem = checkParsed(result);
      if (problem) {
        return { sourceId: source.id, ok: false, kind: 'schema', detail: `${request.key}: ${problem}` };
      }
      pages++;
      items += result.items.length;
      request = result.next;
    }
  }
  let recorded = `${pages} inspelade sidor lästa, ${items} poster`;
  if (pages === 0 && recordingsDir !== undefined) {
    // Recorded with other parameters (e.g. a smaller page size): each page of the source's own
    // recordings must still parse with this source's options.
    const own = listFixtures(recordingsDir, source.id).filter((f) => !f.name.includes('/edge/'));
    for (const recording of own) {
      let result: ReadResult;
      try {
        result = readDocument(source.adapter, fixtureDocument(recording), source);
      } catch (error) {
        return failure(source.id, error);
      }
      const problem = checkParsed(result);
      if (problem) {
        return { sourceId: source.id, ok: false, kind: 'schema', detail: `${recording.name}: ${problem}` };
      }
      pages++;
      items += result.items.length;
    }
    recorded =
      pages > 0
        ? `${pages} inspelade sidor (andra parametrar) lästa, ${items} poster`
        : 'inga inspelningar att läsa (bara konfiguration och förfrågningar kontrollerade)';
  }
  return {
    sourceId: source.id,
    ok: true,
    detail: `${requests.length} förfrågningar; ${recorded}${pages > 0 && unrecorded > 0 ? `; ${unrecorded} utan inspelning` : ''}`,
  };
}

export function checkSourcesOffline(
  config: Pick<HorisontConfig, 'sources'>,
  recordingsDir: string = RECORDINGS_DIR,
  sourceIds: string[] = [],
): SourceCheck[] {
  const recordings = recordingsByUrl(recordingsDir);
  return selectSources(config, sourceIds, false).map((source) =>
    checkSourceOffline(source, recordings, recordingsDir),
  );
}

function selectSources(
  config: Pick<HorisontConfig, 'sources'>,
  sourceIds: string[],
  enabledOnly: boolean,
): ConfiguredSource[] {
  const unknown = sourceIds.filter((id) => !config.sources.some((source) => source.id === id));
  if (unknown.length > 0) throw new NotFoundError(`Okänd källa: ${unknown.join(', ')}`);
  return config.sources.filter((source) =>
    sourceIds.length > 0 ? sourceIds.includes(source.id) : !enabledOnly || source.enabled,
  );
}

/**
 * A canary for a real deployment: fetches each source's first request once through the guarded
 * client (SSRF policy, robots.txt, politeness) and says whether the answer still parses. Touches
 * no run, snapshot or item. Never part of the test suite against real sites.
 */
export async function checkSourcesLive(ctx: AppContext, sourceIds: string[] = []): Promise<SourceCheck[]> {
  // Concurrent: the host throttle spaces requests to one host, whatever the order.
  return Promise.all(
    selectSources(ctx.config, sourceIds, true).map(async (source): Promise<SourceCheck> => {
      try {
        const [request] = source.adapter.requests(source);
        if (!request) return { sourceId: source.id, ok: false, kind: 'config', detail: 'plans no request' };
        const started = Date.now();
        const outcome = await ctx.http.get(request.url, {
          ...(request.accept ? { accept: request.accept } : {}),
          ...(source.adapter.acceptStatuses ? { acceptStatuses: source.adapter.acceptStatuses } : {}),
        });
        if (outcome.kind !== 'fetched') {
          throw new HorisontError('http-4xx', `fetch: unsolicited 304 from ${request.url}`);
        }
        if (outcome.body.length === 0) {
          throw new HorisontError('empty-body', `fetch: empty body from ${request.url}`);
        }
        const doc: FetchedDocument = {
          request,
          url: outcome.url,
          status: outcome.status,
          headers: outcome.headers,
          body: outcome.body,
          fetchedAt: new Date().toISOString(),
        };
        const result = readDocument(source.adapter, doc, source);
        const problem = checkParsed(result);
        if (problem) throw new HorisontError('schema', `parse(${source.id}): ${problem}`);
        const canaries = result.canaries
          ? `; ${Object.entries(result.canaries)
              .map(([name, value]) => `${name} ${value}`)
              .join(', ')}`
          : '';
        return {
          sourceId: source.id,
          ok: true,
          detail: `HTTP ${outcome.status}, ${Math.ceil(outcome.body.length / 1024)} kB på ${Date.now() - started} ms: ${result.items.length} poster${result.next ? ', nästa sida finns' : ''}${canaries}`,
        };
      } catch (error) {
        return failure(source.id, error);
      }
    }),
  );
}

export function formatSourceChecks(checks: SourceCheck[], sourceLabels: SourceLabels): string {
  return table(
    ['källa', 'utfall', 'vad', 'id'],
    checks.map((check) => [
      label(sourceLabels, check.sourceId),
      check.ok ? 'ok' : 'FEL',
      oneLine(check.ok ? check.detail : `${check.kind ?? 'internal'}: ${check.detail}`, 140),
      check.sourceId,
    ]),
  );
}

async function loadConfigOffline(program: Command): Promise<HorisontConfig> {
  const env = parseEnv();
  const dir = configDirOf(program).configDir ?? (env.HORISONT_CONFIG_DIR || DEFAULT_CONFIG_DIR);
  return loadConfig(dir);
}

/**
 * `horisont sources`: health of each source (with the reason when it is failing or broken, its
 * yield history and notes), `sources reset-yield` for a list that has legitimately shrunk.
 */
export function registerSourcesCommands(program: Command): void {
  const sources = program
    .command('sources')
    .description('varje källas hälsa: utfall, orsak när den är trasig, skördehistorik, anmärkningar')
    .option('--json', 'som JSON')
    .action(async (options: { json?: boolean }) => {
      await withApp(program, async (ctx) => {
        const rows = await sourceHealthDetails(ctx.db);
        const evidence = new Map(ctx.config.sources.map((source) => [source.id, sourceEvidence(source)]));
        console.log(
          options.json
            ? JSON.stringify(
                rows.map((row) => ({ ...row, evidence: evidence.get(row.id) ?? null })),
                null,
                2,
              )
            : formatSourceHealth(rows, ctx.config.sourceLabels, evidence),
        );
      });
    });

  sources
    .command('check')
    .description(
      'kontrollera varje konfigurerad källa offline (konfiguration, planerade anrop, att inspelade svar kan läsas); --live hämtar varje första anrop en gång',
    )
    .option('--live', 'hämta varje aktiv källas första anrop en gång genom den skyddade klienten och läs det')
    .option('--source <id...>', 'bara dessa källor')
    .option('--recordings <dir>', 'inspelade svar att läsa offline', RECORDINGS_DIR)
    .option('--json', 'som JSON')
    .action(async (options: { live?: boolean; source?: string[]; recordings: string; json?: boolean }) => {
      const config = await loadConfigOffline(program);
      const checks = options.live
        ? await withApp(program, (ctx) => checkSourcesLive(ctx, options.source ?? []), true)
        : checkSourcesOffline(config, path.resolve(options.recordings), options.source ?? []);
      // `--json` after the subcommand may land on `sources` itself, which has it too.
      const json = options.json === true || sources.opts<{ json?: boolean }>().json === true;
      console.log(json ? JSON.stringify(checks, null, 2) : formatSourceChecks(checks, config.sourceLabels));
      const failed = checks.filter((check) => !check.ok);
      if (failed.length > 0) {
        console.error(`Källor som inte läses: ${failed.map((check) => check.sourceId).join(', ')}`);
        process.exitCode = 1;
      }
    });

  sources
    .command('reset-yield')
    .description(
      'glöm en källas vanliga skörd, så att en tom lista inte längre tas för ett fel (efter en verklig minskning)',
    )
    .argument('<source-id>', 'källans id', sourceId)
    .action(async (id: string) => {
      await withApp(program, async (ctx) => {
        if (!(await resetYieldBaseline(ctx.db, id))) throw new NotFoundError(`Okänd källa: ${id}`);
        console.log(`${id}: tidigare körningars skörd räknas inte längre som det vanliga.`);
      });
    });
}
