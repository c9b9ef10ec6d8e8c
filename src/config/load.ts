import { readFile, access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { SourceEntry, SourcesFile } from './schema.js';
import { TriageCriteria } from '../domain/criteria.js';
import type { SourceAdapter, SourceSpec } from '../sources/types.js';

export const DEFAULT_CONFIG_DIR = fileURLToPath(new URL('../../config/', import.meta.url));

export interface ConfiguredSource extends SourceSpec<unknown> {
  adapter: SourceAdapter<unknown>;
  adapterId: string;
  enabled: boolean;
  schedule: string;
}

export interface HorisontConfig {
  dir: string;
  files: { sources: string; criteria: string };
  timezone: string;
  http: SourcesFile['http'];
  defaultMinIntervalMs: number;
  hosts: SourcesFile['hosts'];
  sources: ConfiguredSource[];
  criteria: TriageCriteria;
}

/** Every problem found, with file and path, so an operator can fix them in one go. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

function formatPath(segments: ReadonlyArray<PropertyKey>): string {
  return segments.length === 0 ? '(root)' : segments.map(String).join('.');
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

/**
 * Loads and validates `sources.yaml` and `triage-criteria.yaml` from `dir`. A directory without
 * its own `triage-criteria.yaml` (such as `config/demo`) uses the default one.
 */
export async function loadConfig(
  dir: string,
  adapters: Readonly<Record<string, SourceAdapter<unknown>>>,
): Promise<HorisontConfig> {
  const problems: string[] = [];
  const sourcesFile = path.join(dir, 'sources.yaml');
  const ownCriteria = path.join(dir, 'triage-criteria.yaml');
  const criteriaFile = (await exists(ownCriteria))
    ? ownCriteria
    : path.join(DEFAULT_CONFIG_DIR, 'triage-criteria.yaml');

  const [rawSources, rawCriteria] = await Promise.all([
    readYaml(sourcesFile, problems),
    readYaml(criteriaFile, problems),
  ]);
  const parsedSources =
    rawSources === undefined ? undefined : validate(SourcesFile, rawSources, sourcesFile, problems);
  const criteria =
    rawCriteria === undefined ? undefined : validate(TriageCriteria, rawCriteria, criteriaFile, problems);

  // Adapter checks run on the raw entries too, so one pass reports every problem in the file.
  const rawEntries = (rawSources as { sources?: unknown } | undefined)?.sources;
  const sources: ConfiguredSource[] = [];
  const seen = new Set<string>();
  (Array.isArray(rawEntries) ? (rawEntries as unknown[]) : []).forEach((raw, index) => {
    const where = `${sourcesFile}: sources.${index}`;
    const entry = SourceEntry.safeParse(raw);
    const adapterId = (raw as { adapter?: unknown } | null)?.adapter;
    if (typeof adapterId !== 'string') return;
    const adapter = adapters[adapterId];
    if (!adapter) {
      problems.push(
        `${where}.adapter: no adapter "${adapterId}" (known: ${Object.keys(adapters).sort().join(', ')})`,
      );
      return;
    }
    const options = adapter.optionsSchema.safeParse((raw as { options?: unknown }).options ?? {});
    if (!options.success) {
      for (const issue of options.error.issues) {
        problems.push(`${where}.options.${formatPath(issue.path)}: ${issue.message}`);
      }
    }
    if (!entry.success || !options.success || !parsedSources) return;
    if (seen.has(entry.data.id)) problems.push(`${where}.id: duplicate source id "${entry.data.id}"`);
    seen.add(entry.data.id);
    sources.push({
      id: entry.data.id,
      adapterId,
      adapter,
      enabled: entry.data.enabled,
      urls: entry.data.urls,
      options: options.data,
      schedule: entry.data.schedule ?? parsedSources.defaults.schedule,
    });
  });

  if (problems.length > 0 || !parsedSources || !criteria) throw new ConfigError(problems);
  return {
    dir,
    files: { sources: sourcesFile, criteria: criteriaFile },
    timezone: parsedSources.defaults.timezone,
    http: parsedSources.http,
    defaultMinIntervalMs: parsedSources.defaults.politeness.minIntervalMs,
    hosts: parsedSources.hosts,
    sources,
    criteria,
  };
}

/** The politeness spacing for a host: its own entry, else the default. */
export function minIntervalFor(config: HorisontConfig, host: string): number {
  return config.hosts[host]?.minIntervalMs ?? config.defaultMinIntervalMs;
}
