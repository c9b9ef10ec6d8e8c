import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConditionVocabulary, compileConditions } from '../../src/domain/conditions.js';
import { parseTriageCriteria } from '../../src/domain/criteria.js';
import type { CandidateView } from '../../src/domain/candidate.js';
import {
  ProgrammeAreasFile,
  compileProgrammeAreas,
  matchProgrammeAreas,
} from '../../src/domain/programme-areas.js';
import type { ScoreResult } from '../../src/domain/score.js';
import { scoreCandidate } from '../../src/domain/score.js';
import { DEFAULT_CONFIG_DIR, loadConfig } from '../../src/config/load.js';

/** The configuration files as shipped in config/, for pure domain tests. */
const read = (file: string): string => readFileSync(new URL(`../../config/${file}`, import.meta.url), 'utf8');

export const shippedCriteria = parseTriageCriteria(read('triage-criteria.yaml'));
export const shippedConditions = compileConditions(
  ConditionVocabulary.parse(parseYaml(read('conditions.yaml'))),
);
const shipped = await loadConfig(DEFAULT_CONFIG_DIR);
/** The shipped sources' profiles and Swedish names (their adapters' declarations), by source id. */
export const shippedSourceProfiles = shipped.sourceProfiles;
export const shippedSourceLabels = shipped.sourceLabels;
export const shippedProgrammeAreas = compileProgrammeAreas(
  ProgrammeAreasFile.parse(parseYaml(read('programme-areas.yaml'))),
);

/** A candidate's score as the score stage stores it (with its programme areas), judged as of `asOf`. */
export function storedScore(candidate: CandidateView, asOf = '2026-11-20'): ScoreResult {
  return {
    ...scoreCandidate(candidate, { criteria: shippedCriteria, conditions: shippedConditions, asOf }),
    programmeAreas: matchProgrammeAreas(candidate.evidence, shippedProgrammeAreas),
  };
}
