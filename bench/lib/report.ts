import os from 'node:os';

/** One goal of a workload: the figure, the baseline it is measured against, and the verdict. */
export interface GoalCheck {
  id: string;
  what: string;
  figure: number;
  unit: string;
  /** The same-run baseline the figure is compared with, when the goal is a ratio. */
  baseline?: number;
  baselineWhat?: string;
  ratio?: number;
  /** Human-readable goal, e.g. "≥ 0.6× baseline" or "≤ 2 GB". */
  goal: string;
  met: boolean;
  /** False for a figure that is reported without a verdict (it counts in no "goals met"). */
  gated?: boolean;
}

export interface WorkloadResult {
  bench: 'horisont';
  workload: string;
  title: string;
  quick: boolean;
  seconds: number;
  params: Record<string, unknown>;
  baselines: Record<string, number>;
  metrics: Record<string, unknown>;
  goals: GoalCheck[];
  notes: string[];
  machine: { cpus: number; cpuModel: string; memGiB: number; node: string; loadavg: number[] };
}

export function machine(): WorkloadResult['machine'] {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

/**
 * `BENCH_LIMITS="W1b=5,W6=0.5"` replaces the limits of those goals (the minimum of a "≥" goal,
 * the maximum of a "≤" goal) and nothing else: the figures are measured as always. A value of
 * `unreachable` is a limit no figure meets, `default` keeps the goal's own, and `*` names every
 * goal not named otherwise. It
 * exists to show that every gate can fail (test/bench/bench-quick.test.ts); a run with it is no
 * result.
 */
type Override = number | 'unreachable' | 'default';

function limitOverrides(): Map<string, Override> {
  const out = new Map<string, Override>();
  for (const part of (process.env.BENCH_LIMITS ?? '').split(',')) {
    const at = part.lastIndexOf('=');
    const id = part.slice(0, at).trim();
    const value = part.slice(at + 1).trim();
    if (at < 0 || id === '') continue;
    if (value === 'unreachable' || value === 'default') out.set(id, value);
    else if (Number.isFinite(Number(value)) && value !== '') out.set(id, Number(value));
    else throw new Error(`BENCH_LIMITS: ${part} is not id=number, id=unreachable or id=default`);
  }
  return out;
}

const overrides = limitOverrides();

/** The limit of goal `id` (`higher`: a "≥" goal): its own unless BENCH_LIMITS replaces it. */
export function limitOf(id: string, limit: number, higher: boolean): number {
  const override = overrides.get(id) ?? overrides.get('*');
  if (override === undefined || override === 'default') return limit;
  if (override === 'unreachable') return higher ? Infinity : -Infinity;
  return override;
}

/** A goal "figure / baseline ≥ min" (higher is better). */
export function atLeastRatio(
  id: string,
  what: string,
  figure: number,
  unit: string,
  baseline: number,
  baselineWhat: string,
  defaultMin: number,
): GoalCheck {
  const min = limitOf(id, defaultMin, true);
  const ratio = baseline > 0 ? figure / baseline : 0;
  return {
    id,
    what,
    figure,
    unit,
    baseline,
    baselineWhat,
    ratio,
    goal: `≥ ${min}× baseline`,
    met: ratio >= min,
  };
}

/** A goal "figure / baseline ≤ max" (lower is better, e.g. time). */
export function atMostRatio(
  id: string,
  what: string,
  figure: number,
  unit: string,
  baseline: number,
  baselineWhat: string,
  defaultMax: number,
): GoalCheck {
  const max = limitOf(id, defaultMax, false);
  const ratio = baseline > 0 ? figure / baseline : Infinity;
  return {
    id,
    what,
    figure,
    unit,
    baseline,
    baselineWhat,
    ratio,
    goal: `≤ ${max}× baseline`,
    met: ratio <= max,
  };
}

export function atLeast(
  id: string,
  what: string,
  figure: number,
  unit: string,
  defaultMin: number,
): GoalCheck {
  const min = limitOf(id, defaultMin, true);
  return { id, what, figure, unit, goal: `≥ ${min}${unit ? ` ${unit}` : ''}`, met: figure >= min };
}

export function atMost(
  id: string,
  what: string,
  figure: number,
  unit: string,
  defaultMax: number,
): GoalCheck {
  const max = limitOf(id, defaultMax, false);
  return { id, what, figure, unit, goal: `≤ ${max}${unit ? ` ${unit}` : ''}`, met: figure <= max };
}

/** A figure reported without a verdict and without a baseline (a share, a peak). */
export function noted(id: string, what: string, figure: number, unit: string): GoalCheck {
  return { id, what, figure, unit, goal: 'reported', met: false, gated: false };
}

/** A figure reported next to a same-run baseline without a verdict. */
export function reported(
  id: string,
  what: string,
  figure: number,
  unit: string,
  baseline: number,
  baselineWhat: string,
): GoalCheck {
  return {
    id,
    what,
    figure,
    unit,
    baseline,
    baselineWhat,
    ratio: baseline > 0 ? figure / baseline : 0,
    goal: 'reported',
    met: false,
    gated: false,
  };
}

export function fmt(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  if (abs >= 100_000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

export const TABLE_HEADER =
  '| goal | what | figure | baseline | ratio | target | met |\n|---|---|---|---|---|---|---|';

export function tableRow(goal: GoalCheck): string {
  const baseline = goal.baseline === undefined ? '–' : `${fmt(goal.baseline)} (${goal.baselineWhat ?? ''})`;
  return `| ${goal.id} | ${goal.what} | ${fmt(goal.figure)} ${goal.unit} | ${baseline} | ${
    goal.ratio === undefined ? '–' : `${fmt(goal.ratio)}×`
  } | ${goal.goal} | ${goal.gated === false ? '–' : goal.met ? 'yes' : '**no**'} |`;
}

/** Prints the workload's JSON line (stdout) and its table rows. */
export function emit(result: WorkloadResult): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.stdout.write(`${result.goals.map(tableRow).join('\n')}\n`);
}

export function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** Runs the garbage collector when the process was started with --expose-gc. */
export function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

export function isQuick(argv: readonly string[] = process.argv): boolean {
  return argv.includes('--quick');
}

/** A fresh id for schemas, prefixes and temp names of one run. */
export function runId(): string {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 4)
    .toString(36)
    .padStart(4, '0')}`;
}
