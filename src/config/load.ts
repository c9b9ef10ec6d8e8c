import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { SourcesFile } from './schema.js';
import { adapterHosts, configureSources, formatPath } from './sources.js';
import type { ConfiguredSource } from './sources.js';
import type { ConditionIndex } from '../domain/conditions.js';
import type { SourceProfiles } from '../domain/source-profile.js';
import { OUTSIDE_SOURCE_LABELS } from '../domain/labels.js';
import type { SourceLabels } from '../domain/labels.js';
import { ConditionVocabulary, compileConditions } from '../domain/conditions.js';
import { TriageCriteria, criteriaWordProblems } from '../domain/criteria.js';
import type { ManufacturerAliases } from '../domain/manufacturers.js';
import { ManufacturersFile, compileManufacturerAliases } from '../domain/manufacturers.js';
import type { ProgrammeAreas } from '../domain/programme-areas.js';
import { ProgrammeAreasFile, compileProgrammeAreas } from '../domain/programme-areas.js';
import { ResolutionSettings } from '../domain/resolution.js';
import { loadAdapters } from '../sources/index.js';
import type { AdapterRegistry } from '../sources/index.js';
import { fileExists } from '../files.js';

export const DEFAULT_CONFIG_DIR = fileURLToPath(new URL('../../config/', import.meta.url));

export type { ConfiguredSource } from './sources.js';

export interface HorisontConfig {
  dir: string;
  files: {
    sources: string;
    criteria: string;
    manufacturers: string;
    programmeAreas: string;
    resolution: string;
    conditions: string;
  };
  timezone: string;
  http: SourcesFile['http'];
  defaultMinIntervalMs: number;
  hosts: SourcesFile['hosts'];
  /** Drift and re-key guards (`guards:` in sources.yaml). */
  guards: SourcesFile['guards'];
  sources: ConfiguredSource[];
  /** Each configured source's profile by id: what the domain may know of the sources. */
  sourceProfiles: SourceProfiles;
  /** The sources' Swedish names by id: the configured ones' and those outside the scan. */
  sourceLabels: SourceLabels;
  criteria: TriageCriteria;
  /** Manufacturer renames and group names (`manufacturers.yaml`), compiled for lookups. */
  manufacturers: ManufacturerAliases;
  /** The 26 programme areas and what points at them (`programme-areas.yaml`), compiled. */
  programmeAreas: ProgrammeAreas;
  /** Identity resolution thresholds and word lists (`resolution.yaml`). */
  resolution: ResolutionSettings;
  /** The condition vocabulary (`conditions.yaml`), compiled for recognising conditions in text. */
  conditions: ConditionIndex;
}

/** Every problem found, with file and path, so an operator can fix them in one go. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

async function readYaml(file: string, problems: string[]): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    problems.push(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    for (const error of document.errors) problems.push(`${file}: ${error.message.split('\n')[0]}`);
    return undefined;
  }
  return document.toJS() as unknown;
}

function validate<T>(schema: z.ZodType<T>, value: unknown, file: string, problems: string[]): T | undefined {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    problems.push(`${file}: ${formatPath(issue.path)}: ${issue.message}`);
  }
  return undefined;
}

/** `dir`'s own copy of a file, else the default configuration's. */
async function ownOrDefault(dir: string, name: string): Promise<string> {
  const own = path.join(dir, name);
  return (await fileExists(own)) ? own : path.join(DEFAULT_CONFIG_DIR, name);
}

/**
 * Loads and validates `sources.yaml`, `triage-criteria.yaml`, `manufacturers.yaml`,
 * `programme-areas.yaml`, `resolution.yaml` and `conditions.yaml` from `dir`. A directory without
 * its own copy of one of the last five (such as `config/demo`) uses the default one. The sources
 * are the adapters' own (those of src/sources/adapters unless given) with `sources.yaml` over them
 * (src/config/sources.ts).
 */
export async function loadConfig(dir: string, given?: AdapterRegistry): Promise<HorisontConfig> {
  const adapters = given ?? (await loadAdapters());
  const problems: string[] = [];
  const sourcesFile = path.join(dir, 'sources.yaml');
  const [criteriaFile, manufacturersFile, programmeAreasFile, resolutionFile, conditionsFile] =
    await Promise.all([
      ownOrDefault(dir, 'triage-criteria.yaml'),
      ownOrDefault(dir, 'manufacturers.yaml'),
      ownOrDefault(dir, 'programme-areas.yaml'),
      ownOrDefault(dir, 'resolution.yaml'),
      ownOrDefault(dir, 'conditions.yaml'),
    ]);

  const [rawSources, rawCriteria, rawManufacturers, rawAreas, rawResolution, rawConditions] =
    await Promise.all([
      readYaml(sourcesFile, problems),
      readYaml(criteriaFile, problems),
      readYaml(manufacturersFile, problems),
      readYaml(programmeAreasFile, problems),
      readYaml(resolutionFile, problems),
      readYaml(conditionsFile, problems),
    ]);
  const parsedSources =
    rawSources === undefined ? undefined : validate(SourcesFile, rawSources, sourcesFile, problems);
  const criteria =
    rawCriteria === undefined ? undefined : validate(TriageCriteria, rawCriteria, criteriaFile, problems);
  const manufacturers =
    rawManufacturers === undefined
      ? undefined
      : validate(ManufacturersFile, rawManufacturers, manufacturersFile, problems);
  const programmeAreas =
    rawAreas === undefined ? undefined : validate(ProgrammeAreasFile, rawAreas, programmeAreasFile, problems);
  const resolution =
    rawResolution === undefined
      ? undefined
      : validate(ResolutionSettings, rawResolution, resolutionFile, problems);
  const conditions =
    rawConditions === undefined
      ? undefined
      : validate(ConditionVocabulary, rawConditions, conditionsFile, problems);

  const conditionIndex = conditions === undefined ? undefined : compileConditions(conditions);
  if (criteria !== undefined && conditionIndex !== undefined) {
    for (const problem of criteriaWordProblems(criteria, conditionIndex)) {
      problems.push(`${criteriaFile}: ${problem}`);
    }
  }

  const rawEntries = (rawSources as { sources?: unknown } | undefined)?.sources;
  const sources = configureSources({
    adapters,
    use: parsedSources?.adapterSources ?? 'production',
    entries: Array.isArray(rawEntries) ? (rawEntries as unknown[]) : [],
    file: sourcesFile,
    defaultSchedule: parsedSources?.defaults.schedule ?? '0 2 * * *',
    problems,
  });
  const hosts = { ...adapterHosts(adapters, problems), ...parsedSources?.hosts };
  if (sources.length === 0) problems.push(`${sourcesFile}: no source to scan`);

  if (
    problems.length > 0 ||
    !parsedSources ||
    !criteria ||
    !manufacturers ||
    !programmeAreas ||
    !resolution ||
    !conditionIndex
  ) {
    throw new ConfigError(problems);
  }
  return {
    dir,
    files: {
      sources: sourcesFile,
      criteria: criteriaFile,
      manufacturers: manufacturersFile,
      programmeAreas: programmeAreasFile,
      resolution: resolutionFile,
      conditions: conditionsFile,
    },
    timezone: parsedSources.defaults.timezone,
    http: parsedSources.http,
    defaultMinIntervalMs: parsedSources.defaults.politeness.minIntervalMs,
    hosts,
    guards: parsedSources.guards,
    sources,
    sourceProfiles: Object.fromEntries(sources.map((source) => [source.id, source.profile])),
    sourceLabels: {
      ...OUTSIDE_SOURCE_LABELS,
      ...Object.fromEntries(sources.map((source) => [source.id, source.label])),
    },
    criteria,
    manufacturers: compileManufacturerAliases(manufacturers),
    programmeAreas: compileProgrammeAreas(programmeAreas),
    resolution,
    conditions: conditionIndex,
  };
}

/** The politeness spacing for a host: its own entry, else the default. */
export function minIntervalFor(config: HorisontConfig, host: string): number {
  return config.hosts[host]?.minIntervalMs ?? config.defaultMinIntervalMs;
}
