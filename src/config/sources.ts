import type { z } from 'zod';
import { DeclaredSource, HostPoliteness, SourceEntry } from './schema.js';
import type { AdapterSources } from './schema.js';
import type { SourceProfile } from '../domain/source-profile.js';
import type { AdapterRegistry } from '../sources/index.js';
import type { SourceAdapter, SourceSpec, UrlEvidence } from '../sources/types.js';

export interface ConfiguredSource extends SourceSpec<unknown> {
  adapter: SourceAdapter<unknown>;
  adapterId: string;
  enabled: boolean;
  schedule: string;
  /** The publisher's name in Swedish (the source's id when nothing names it). */
  label: string;
  /** What the domain may know of the source: its adapter's profile. */
  profile: SourceProfile;
  /** What public material each production URL rests on. */
  evidence: UrlEvidence[];
}

/** A source before its options are validated: an adapter's declaration or a configured entry. */
interface Draft {
  id: string;
  adapterId: string;
  label: string;
  enabled: boolean;
  urls: string[];
  schedule: string | undefined;
  options: unknown;
  evidence: UrlEvidence[];
  /** Where problems of this source are reported. */
  where: string;
}

export function formatPath(segments: ReadonlyArray<PropertyKey>): string {
  return segments.length === 0 ? '(root)' : segments.map(String).join('.');
}

function issues(error: z.ZodError, where: string): string[] {
  return error.issues.map((issue) => `${where}.${formatPath(issue.path)}: ${issue.message}`);
}

/** Where an adapter's own declarations are reported. */
function adapterFile(adapterId: string): string {
  return `adapter ${adapterId} (src/sources/adapters)`;
}

/** Every source the adapters declare, as production or as recorded, by id. */
function declaredSources(
  adapters: AdapterRegistry,
  use: AdapterSources,
  problems: string[],
): Map<string, Draft> {
  const declared = new Map<string, Draft>();
  for (const adapter of Object.values(adapters)) {
    adapter.sources.forEach((raw, index) => {
      const where = `${adapterFile(adapter.id)}: sources.${index}`;
      const checked = DeclaredSource.safeParse(raw);
      if (!checked.success) {
        problems.push(...issues(checked.error, where));
        return;
      }
      const source = checked.data;
      const other = declared.get(source.id);
      if (other) {
        problems.push(`${where}.id: source "${source.id}" is declared by adapter "${other.adapterId}" too`);
        return;
      }
      const recorded = use === 'recorded' ? source.recorded : undefined;
      const urls = recorded?.urls ?? source.urls.map((entry) => entry.url);
      declared.set(source.id, {
        id: source.id,
        adapterId: adapter.id,
        label: source.label,
        enabled: true,
        urls,
        schedule: source.schedule,
        options: recorded?.options ?? source.options ?? {},
        evidence: source.urls.filter((entry) => urls.includes(entry.url)),
        where,
      });
    });
  }
  return declared;
}

/** A `sources.yaml` entry over the declared source of its id, if any. */
function configured(
  entry: SourceEntry,
  base: Draft | undefined,
  where: string,
  problems: string[],
): Draft | undefined {
  if (base && entry.adapter !== undefined && entry.adapter !== base.adapterId) {
    problems.push(`${where}.adapter: source "${entry.id}" is read by adapter "${base.adapterId}"`);
    return undefined;
  }
  const adapterId = entry.adapter ?? base?.adapterId;
  const urls = entry.urls ?? base?.urls;
  if (adapterId === undefined || urls === undefined) {
    problems.push(`${where}: no adapter declares source "${entry.id}": give its adapter and urls`);
    return undefined;
  }
  return {
    id: entry.id,
    adapterId,
    label: entry.label ?? base?.label ?? entry.id,
    enabled: entry.enabled ?? base?.enabled ?? true,
    urls,
    schedule: entry.schedule ?? base?.schedule,
    options: entry.options ?? base?.options ?? {},
    evidence: entry.evidence ?? (base?.evidence ?? []).filter((evidence) => urls.includes(evidence.url)),
    where,
  };
}

/**
 * The sources a configuration scans: the adapters' own (as `use` says) with the entries of
 * `sources.yaml` over them, then the entries naming other sources. Every problem found is added
 * to `problems`, with file and path.
 */
export function configureSources(input: {
  adapters: AdapterRegistry;
  use: AdapterSources;
  /** The raw `sources:` entries of `file`. */
  entries: readonly unknown[];
  file: string;
  defaultSchedule: string;
  problems: string[];
}): ConfiguredSource[] {
  const { adapters, file, problems } = input;
  const declared = declaredSources(adapters, input.use === 'none' ? 'production' : input.use, problems);
  const drafts = new Map(input.use === 'none' ? [] : [...declared]);
  const listed = new Set<string>();
  input.entries.forEach((raw, index) => {
    const where = `${file}: sources.${index}`;
    // An unknown adapter is reported even when the rest of the entry is invalid too.
    const adapterId = (raw as { adapter?: unknown } | null)?.adapter;
    if (typeof adapterId === 'string' && !Object.hasOwn(adapters, adapterId)) {
      problems.push(
        `${where}.adapter: no adapter "${adapterId}" (known: ${Object.keys(adapters).sort().join(', ')})`,
      );
      return;
    }
    const entry = SourceEntry.safeParse(raw);
    if (!entry.success) return; // reported with the file's own schema
    if (listed.has(entry.data.id)) {
      problems.push(`${where}.id: duplicate source id "${entry.data.id}"`);
      return;
    }
    listed.add(entry.data.id);
    const draft = configured(entry.data, declared.get(entry.data.id), where, problems);
    if (draft) drafts.set(draft.id, draft);
  });

  const sources: ConfiguredSource[] = [];
  for (const draft of drafts.values()) {
    const adapter = adapters[draft.adapterId]!;
    const options = adapter.optionsSchema.safeParse(draft.options);
    if (!options.success) {
      problems.push(...issues(options.error, `${draft.where}.options`));
      continue;
    }
    for (const [n, evidence] of draft.evidence.entries()) {
      if (!draft.urls.includes(evidence.url)) {
        problems.push(`${draft.where}.evidence.${n}.url: not one of the source's urls (${evidence.url})`);
      }
    }
    sources.push({
      id: draft.id,
      adapterId: draft.adapterId,
      adapter,
      label: draft.label,
      profile: adapter.profile,
      enabled: draft.enabled,
      urls: draft.urls,
      options: options.data,
      schedule: draft.schedule ?? input.defaultSchedule,
      evidence: draft.evidence,
    });
  }
  return sources;
}

/**
 * The adapters' politeness hints by host; where two name one host, the longer spacing. A
 * configuration's `hosts:` goes over these.
 */
export function adapterHosts(adapters: AdapterRegistry, problems: string[]): z.infer<typeof HostPoliteness> {
  const hosts: z.infer<typeof HostPoliteness> = {};
  for (const adapter of Object.values(adapters)) {
    const checked = HostPoliteness.safeParse(adapter.hosts ?? {});
    if (!checked.success) {
      problems.push(...issues(checked.error, `${adapterFile(adapter.id)}: hosts`));
      continue;
    }
    for (const [host, politeness] of Object.entries(checked.data)) {
      const known = hosts[host]?.minIntervalMs ?? 0;
      hosts[host] = { minIntervalMs: Math.max(known, politeness.minIntervalMs) };
    }
  }
  return hosts;
}
