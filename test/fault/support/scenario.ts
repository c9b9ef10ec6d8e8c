import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { recordDecision } from '../../../src/store/decisions.js';
import { createUser } from '../../../src/store/users.js';
import { decisionsChecksum, fixtureOracle } from '../../helpers/invariants.js';
import type { Oracle } from '../../helpers/invariants.js';
import type { Harness } from '../../helpers/harness.js';
import { endState } from '../../helpers/state.js';
import { CORE_SOURCES, createWorld } from './world.js';
import type { World, WorldOptions } from './world.js';

/** The first scan every scenario starts from: EUDAMED's devices, so candidates exist to decide on. */
export const BASELINE_SOURCES = ['eudamed-devices'];

export interface Prepared {
  world: World;
  /** I4: checksum of the decisions seeded on the baseline's candidates. */
  decisionsBefore: string;
  /** I1: what the scenario's sources serve. */
  oracle: Oracle;
}

/**
 * A world after a clean baseline scan (in-process workers, stopped afterwards) with decisions
 * recorded on two of its candidates (D7: every fault lands while decisions exist).
 */
export async function prepareWorld(options: WorldOptions = {}, sources = CORE_SOURCES): Promise<Prepared> {
  const world = await createWorld(options);
  const app = await world.app({ workers: true });
  const baseline = await world.waitForRun(await world.startRun(BASELINE_SOURCES));
  expect(baseline.sources.every((s) => s.status === 'ok')).toBe(true);
  await app.pipeline.closeWorkers();
  await seedDecisions(world);
  return {
    world,
    decisionsBefore: await decisionsChecksum(world),
    oracle: await fixtureOracle(world.configDir, world.source.origin, world.fixtures.origin, [
      ...new Set([...BASELINE_SOURCES, ...sources]),
    ]),
  };
}

export async function seedDecisions(world: World): Promise<void> {
  const app = await world.app();
  const reviewer = await createUser(app.db, {
    username: `reviewer-${world.id}`,
    displayName: 'Fault Reviewer',
    role: 'reviewer',
  });
  const actor = { id: reviewer.id, name: reviewer.displayName, role: reviewer.role };
  const candidates = await world.query<{ id: string }>('select id from candidates order by name, id limit 2');
  expect(candidates).toHaveLength(2);
  const [watched, dismissed] = candidates as [{ id: string }, { id: string }];
  for (const input of [
    { candidateId: watched.id, action: 'watch' as const },
    { candidateId: dismissed.id, action: 'dismiss' as const, reasonCode: 'insufficient-information' },
  ]) {
    const outcome = await recordDecision(app.db, actor, {
      ...input,
      expectedVersion: 0,
      clientRequestId: randomUUID(),
    });
    expect(outcome.kind).toBe('recorded');
  }
}

/** A world that ran the same scans without any fault: what every scenario must end equal to. */
export async function referenceState(sources = CORE_SOURCES): Promise<Awaited<ReturnType<typeof endState>>> {
  const world = await createWorld();
  try {
    await world.app({ workers: true });
    await world.waitForRun(await world.startRun(BASELINE_SOURCES));
    await world.waitForRun(await world.startRun(sources));
    return await stateOf(world);
  } finally {
    await world.close();
  }
}

export function stateOf(world: World): ReturnType<typeof endState> {
  // endState reads only through `query`.
  return endState({
    query: (sql: string, params?: unknown[]) => world.query(sql, params),
  } as unknown as Harness);
}

/** Lines of a worker's log (pino JSON) whose message contains `text`. */
export function logged(lines: string[], text: string): Array<Record<string, unknown>> {
  return lines
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return { msg: line };
      }
    })
    .filter((entry) => typeof entry.msg === 'string' && entry.msg.includes(text));
}
