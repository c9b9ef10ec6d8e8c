import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_CONFIG, REPO_ROOT } from '../helpers/harness.js';
import { DEFAULT_CONFIG_DIR, loadConfig } from '../../src/config/load.js';
import {
  DECISION_STATUS_LABELS,
  DELIVERY_KIND_LABELS,
  DELIVERY_STATUS_LABELS,
  RUN_STATUS_LABELS,
  RUN_TRIGGER_LABELS,
  ORIGIN_LABELS,
  REGISTRY_CODE_LABELS,
  RUN_SOURCE_STATUS_LABELS,
  SOURCE_HEALTH_LABELS,
} from '../../src/domain/labels.js';

// The one map of words people see (src/domain/labels.ts) covers every code they can meet.
const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

describe('Swedish labels', () => {
  it('name every configured source', async () => {
    for (const dir of [DEFAULT_CONFIG_DIR, DEMO_CONFIG]) {
      const config = await loadConfig(dir);
      for (const source of config.sources) {
        expect(source.label, `${dir}: ${source.id}`).not.toBe(source.id);
        expect(config.sourceLabels, `${dir}: ${source.id}`).toHaveProperty([source.id], source.label);
      }
      // Items from outside the scan are named too.
      expect(config.sourceLabels).toHaveProperty(['nominations']);
    }
  });

  it('cover every decision, source and run status, and every nomination origin', () => {
    const labelled = { ...DECISION_STATUS_LABELS, ...SOURCE_HEALTH_LABELS, ...RUN_SOURCE_STATUS_LABELS };
    for (const status of [
      'open',
      'nominated',
      'dismissed',
      'ok',
      'failing',
      'broken',
      'unchanged',
      'failed',
    ]) {
      expect(labelled, status).toHaveProperty([status]);
    }
    for (const origin of ['scan', 'region', 'npo', 'profession']) {
      expect(ORIGIN_LABELS, origin).toHaveProperty([origin]);
    }
  });

  it('cover every run state and delivery state and kind the schema allows', () => {
    const sql = readdirSync(path.join(REPO_ROOT, 'src/store/migrations'))
      .map((file) => read(`src/store/migrations/${file}`))
      .join('\n');
    const allowed = (table: string, column: string): string[] => {
      const body = new RegExp(`create table ${table} \\(([\\s\\S]*?)\\n\\);`).exec(sql)?.[1] ?? '';
      const values = new RegExp(`${column} text not null[^\\n]*check \\(${column} in \\(([^)]*)\\)`).exec(
        body,
      )?.[1];
      return [...(values ?? '').matchAll(/'([^']+)'/g)].map((m) => m[1]!);
    };
    const checks: Array<[string, string, Readonly<Record<string, string>>]> = [
      ['runs', 'status', RUN_STATUS_LABELS],
      ['alert_deliveries', 'status', DELIVERY_STATUS_LABELS],
      ['alert_deliveries', 'kind', DELIVERY_KIND_LABELS],
    ];
    for (const [table, column, labels] of checks) {
      const values = allowed(table, column);
      expect(values.length, `${table}.${column}`).toBeGreaterThan(1);
      for (const value of values) expect(labels, `${table}.${column} ${value}`).toHaveProperty([value]);
    }
  });

  it('name every trigger a run is opened with', () => {
    const triggers = new Set<string>();
    for (const file of filesUnder(path.join(REPO_ROOT, 'src'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/openRun\(\s*tx,[^,]+,\s*'([a-z-]+)'/g)) triggers.add(m[1]!);
      for (const m of text.matchAll(/startRun\(ctx, [^,]+, '([a-z-]+)'\)/g)) triggers.add(m[1]!);
    }
    // The defaults of the command line, the workbench and backfill.
    for (const t of ['manual', 'workbench', 'backfill']) triggers.add(t);
    expect(triggers.size).toBeGreaterThan(5);
    for (const trigger of triggers) expect(RUN_TRIGGER_LABELS, trigger).toHaveProperty([trigger]);
  });

  it('cover every registry code in the recorded sources', () => {
    const codes = new Set<string>();
    const recorded = ['demo/fixtures', 'test/fixtures'].flatMap((dir) =>
      filesUnder(path.join(REPO_ROOT, dir)),
    );
    for (const file of recorded) {
      if (!/\.(json|xml|html)$/.test(file)) continue;
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/device-model-status\.([a-z-]+)/g)) codes.add(m[1]!);
      for (const m of text.matchAll(/"overallStatus":\s*"([A-Z_]+)"/g)) codes.add(m[1]!);
    }
    expect(codes.size).toBeGreaterThan(2);
    for (const code of codes) expect(REGISTRY_CODE_LABELS, code).toHaveProperty([code]);
  });
});
