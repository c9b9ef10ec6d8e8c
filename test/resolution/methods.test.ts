import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG_DIR, loadConfig } from '../../src/config/load.js';
import { isDescribedIntervention } from '../../src/domain/identity.js';
import { methodProfile, methodSimilarity } from '../../src/domain/method-similarity.js';
import { comparableName } from '../../src/domain/resolution.js';

const { resolution } = await loadConfig(DEFAULT_CONFIG_DIR);
const terms = resolution.methods;
const score = (a: string, b: string) =>
  methodSimilarity(methodProfile(a, terms), methodProfile(b, terms), terms).score;

describe('methods across languages', () => {
  it.each([
    ['Robotassisterad kirurgi vid ändtarmscancer', 'Robotassistert kirurgi ved endetarmskreft'],
    ['Sakral nervstimulering vid fekal inkontinens', 'Sakral nervestimulering ved fekal inkontinens'],
    [
      'Telemonitorering vid hjärtsvikt',
      'Non-invasive Telemonitoring After Hospitalisation for Heart Failure',
    ],
    ['Kapselendoskopi i öppenvård', 'Kapselendoskopi av tynntarmen som poliklinisk undersøkelse'],
  ])('links %s and %s', (a, b) => {
    expect(score(a, b)).toBeGreaterThanOrEqual(resolution.thresholds.link);
  });

  it.each([
    ['Robotassisterad kirurgi vid ändtarmscancer', 'Robotassisterad kirurgi vid prostatacancer', /organ/],
    [
      'Hybrid closed loop-system för vuxna med typ 1-diabetes',
      'Hybrid closed loop-system vid typ 1-diabetes hos barn',
      /patientgrupper/,
    ],
    [
      'Kontinuerlig glukosmätning vid typ 1-diabetes',
      'Kontinuerlig glukosmätning vid typ 2-diabetes',
      /siffror/,
    ],
  ])('keeps %s and %s apart', (a, b, why) => {
    const result = methodSimilarity(methodProfile(a, terms), methodProfile(b, terms), terms);
    expect(result.score).toBe(0);
    expect(result.reason).toMatch(why);
  });

  it('flags rather than links two titles sharing only part of what they are about', () => {
    const result = score(
      'Digitala vårdmöten i primärvården',
      'Digital kognitiv beteendeterapi vid insomni i primärvården',
    );
    expect(result).toBeLessThan(resolution.thresholds.link);
  });
});

describe('names', () => {
  it('tells a described intervention from a named product', () => {
    for (const described of [
      'Robot-assisted laparoscopic hysterectomy',
      'Drug-coated balloon',
      'Sacral neuromodulation',
    ]) {
      expect(isDescribedIntervention(described), described).toBe(true);
    }
    for (const named of ['Optune', 'Tandem Mobi', 'FreeStyle Libre 3', 'e-Stroke', 'CardioMEMS HF System']) {
      expect(isDescribedIntervention(named), named).toBe(false);
    }
  });

  it('compares product names without asides and "with …" tails', () => {
    expect(comparableName('da Vinci Xi Surgical System (IS4000)')).toBe(
      comparableName('da Vinci Xi Surgical System'),
    );
    expect(comparableName('MiniMed 780G System with Simplera Sync')).toBe(
      comparableName('MiniMed 780G System'),
    );
  });
});
