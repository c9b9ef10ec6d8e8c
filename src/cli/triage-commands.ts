import { PROGRAMME_FIELD_LABELS } from '../domain/programme-areas.js';
import type { ProgrammeAreaMatch } from '../domain/programme-areas.js';
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { parseEnv } from '../env.js';
import { loadAppConfig } from '../app/build.js';
import { rescoreAll } from '../app/rescore.js';
import type { RankChange, RescoreResult } from '../app/rescore.js';
import { DEVICE_SELECTION_SIGNALS, NT_SELECTION_SIGNALS, describeDetector } from '../domain/criteria.js';
import type { TriageCriteria } from '../domain/criteria.js';
import type { SensitivityResult } from '../domain/score-sensitivity.js';
import { stockholmDay } from '../domain/dates.js';
import { CalendarDate } from '../domain/cases.js';
import { table } from './format.js';
import { oneLine } from '../text/one-line.js';
import { progressReporter } from './progress.js';
import { configDirOf, withDb } from './with-app.js';

function movement(change: number | null): string {
  if (change === null) return 'ny';
  if (change > 0) return `↑${change}`;
  if (change < 0) return `↓${-change}`;
  return '–';
}

function moved(r: RankChange): boolean {
  return (
    r.before === null ||
    r.rankChange !== 0 ||
    r.before.total !== r.after.total ||
    r.before.criteriaVersion !== r.after.criteriaVersion
  );
}

/** The rank changes of a rescore, in Swedish. */
export function formatRescore(result: RescoreResult, all = false): string {
  const rows = all ? result.ranking : result.ranking.filter(moved);
  const head = `Omräknat med kriterieversion ${result.criteriaVersion}: ${result.candidates} kandidater, ${result.changed} med ny poäng.`;
  const moves = result.ranking.filter((r) => r.rankChange !== null && r.rankChange !== 0).length;
  const summary = moves === 0 ? 'Ingen kandidat bytte plats.' : `${moves} kandidater bytte plats.`;
  if (rows.length === 0) return `${head}\n${summary}`;
  return [
    head,
    summary,
    '',
    table(
      ['plats', 'förut', 'ändring', 'poäng', 'förut', 'nivå', 'råd', 'kandidat', 'id'],
      rows.map((r) => [
        String(r.after.rank),
        r.before === null ? '–' : String(r.before.rank),
        movement(r.rankChange),
        String(r.after.total),
        r.before === null ? '–' : String(r.before.total),
        r.after.band,
        r.after.council,
        oneLine(r.name, 40),
        r.id,
      ]),
    ),
  ].join('\n');
}

function percent(factor: number): string {
  const p = Math.round((factor - 1) * 100);
  return `${p > 0 ? '+' : p < 0 ? '−' : '±'}${Math.abs(p)} %`;
}

function decimal(n: number): string {
  return String(n).replace('.', ',');
}

/** How the rank moves if each criterion's weight changes, in Swedish. */
export function formatExplanation(
  result: SensitivityResult & { name: string; programmeAreas?: ProgrammeAreaMatch[] },
): string {
  const lines = [
    `${result.name} (${result.candidateId})`,
    `Plats ${result.rank} av ${result.candidates} med ${result.total} poäng. Så flyttas kandidaten om en vikt ändras (övriga vikter oförändrade; kandidater med samma poäng delar plats):`,
    '',
  ];
  const header = ['kriterium', 'vikt'];
  const factors = result.criteria[0]?.changes.map((c) => c.factor) ?? [];
  for (const f of factors) header.push(`vikt ${percent(f)}`, 'poäng', 'plats');
  lines.push(
    table(
      header,
      result.criteria.map((c) => [
        oneLine(c.label, 52) + (c.applies ? '' : ' (gäller ej)'),
        decimal(c.weight),
        ...c.changes.flatMap((x) => [
          decimal(x.weight),
          String(x.total),
          `${x.rank} (${movement(x.rankChange)})`,
        ]),
      ]),
    ),
  );
  const areas = result.programmeAreas ?? [];
  if (areas.length > 0) {
    lines.push('', 'Föreslagna programområden (NPO) och vad som pekar dit:');
    for (const area of areas) {
      lines.push(`  ${area.name}`);
      for (const e of area.evidence) {
        lines.push(
          e.field === 'emdn'
            ? `    EMDN-kod ${e.text} (under ${e.term}), källpost ${e.itemId}`
            : `    ”${e.term}” i ${PROGRAMME_FIELD_LABELS[e.field]}, källpost ${e.itemId}: ${oneLine(e.text, 100)}`,
        );
      }
    }
  }
  return lines.join('\n');
}

/** The criteria, their signals, how each is detected and what it covers, in Swedish. */
export function formatCriteria(criteria: TriageCriteria): string {
  const labels: Record<string, string> = { ...NT_SELECTION_SIGNALS, ...DEVICE_SELECTION_SIGNALS };
  const lines = [`Triagekriterier version ${criteria.version}`, ''];
  lines.push(
    'Prioritet = betydelse × tidpunkt. Betydelse: viktat potensmedelvärde (potens ' +
      `${decimal(criteria.importance.power)}) av de kända kriterierna nedan. Tidpunkt: livscykelns vikt ` +
      `(${Object.entries(criteria.lifecycle.timing)
        .map(([key, weight]) => `${key} ${decimal(weight)}`)
        .join(', ')}).`,
    `Nivåer på prioriteten: hög från ${criteria.bands.hög}, medel från ${criteria.bands.medel}; nominering från ${criteria.nomination.minTotal}, ` +
      'om kandidaten hör till MTP-rådet eller NT-rådet, inte redan hanteras (utom vid omprövning) och inte är etablerad.',
    `Underlag saknas: inget känt tillstånd och färre än ${criteria.insufficientBelow.signals} uppfyllda signaler.`,
    '',
    `Utanför rådens uppdrag: inte en medicinteknisk produkt (${criteria.routing.outOfScopeTerms.length} uttryck). ` +
      `Läkemedel: rekvisition (${criteria.drugs.requisitionTerms.length} uttryck) till NT-rådet, recept ` +
      `(${criteria.drugs.prescriptionTerms.length} uttryck) till TLV utom vid undantagen i NT-rådets princip för receptläkemedel.`,
    '',
  );
  for (const c of criteria.criteria) {
    lines.push(
      `${c.label} [${c.id}] vikt ${decimal(c.weight)}, full poäng vid ${c.maxPoints}${c.appliesTo ? `, gäller ${c.appliesTo.join(', ')}` : ''}`,
    );
    for (const s of c.signals) {
      lines.push(`  ${s.points > 0 ? '+' : ''}${s.points} ${s.label} [${s.id}]`);
      lines.push(`      hur: ${describeDetector(s.detect)}`);
      if (s.covers) lines.push(`      uttrycker: ${s.covers.map((id) => labels[id] ?? id).join('; ')}`);
      lines.push(`      förklaring: ${oneLine(s.explanation, 200)}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

/** `rescore` and `criteria`. (`candidates --explain` lives with the candidates command.) */
export function registerTriageCommands(program: Command): void {
  program
    .command('rescore')
    .description(
      'räkna om varje kandidats poäng med de aktuella kriterierna och visa hur rangordningen ändras',
    )
    .option('--json', 'som JSON: varje kandidat med plats och poäng före och efter')
    .option('--all', 'lista varje kandidat, inte bara de som flyttade')
    .option(
      '--as-of <date>',
      'bedöm som på denna dag (ÅÅÅÅ-MM-DD); standard: dagens datum i Stockholm',
      parseDay,
    )
    .action(async (options: { json?: boolean; all?: boolean; asOf?: string }) => {
      const asOf = options.asOf ?? stockholmDay(new Date());
      // The database and configuration only: rescoring needs no queue.
      await withDb(async (db, env, log) => {
        const config = await loadAppConfig(env, configDirOf(program).configDir);
        const progress = options.json ? undefined : progressReporter('Omräkning', 'kandidater');
        const result = await rescoreAll(db, config, asOf, log, progress?.update);
        progress?.done();
        console.log(options.json ? JSON.stringify(result, null, 2) : formatRescore(result, options.all));
      });
    });

  program
    .command('criteria')
    .description('visa triagekriterierna: signaler, hur var och en upptäcks, vikter och förklaringar')
    .option('--json', 'som JSON (den validerade konfigurationen)')
    .action(async (options: { json?: boolean }) => {
      const config = await loadAppConfig(parseEnv(), configDirOf(program).configDir);
      console.log(options.json ? JSON.stringify(config.criteria, null, 2) : formatCriteria(config.criteria));
    });
}

/** A `YYYY-MM-DD` option value (commander's argument parser), or a usage error. */
export function parseDay(value: string): string {
  const parsed = CalendarDate.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(parsed.error.issues[0]?.message ?? 'ogiltigt datum');
  return parsed.data;
}
