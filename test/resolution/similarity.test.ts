import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { NameProfile } from '../../src/domain/resolution.js';
import { blocksOf, ResolutionSettings, similarity } from '../../src/domain/resolution.js';
import { normaliseManufacturer, normaliseProductName } from '../../src/domain/normalise.js';

const settings = ResolutionSettings.parse(
  parse(readFileSync(new URL('../../config/resolution.yaml', import.meta.url), 'utf8')),
);

function profile(name: string, manufacturer = '', kind: NameProfile['kind'] = 'device'): NameProfile {
  return { name: normaliseProductName(name), manufacturer: normaliseManufacturer(manufacturer), kind };
}

describe('similarity', () => {
  it.each([
    ['FreeStyle Libre 3', 'Freestyle Libre3', 1],
    ['FreeStyle Libre 3', 'FreeStyle Libre 3®', 1],
    ['FreeStyle Libre 3', 'FreeStlye Libre 3', 0.93],
    ['Abbott FreeStyle Libre 3', 'FreeStyle Libre 3', 1],
  ])('links %s and %s (%s)', (a, b, score) => {
    expect(similarity(profile(a, 'Abbott'), profile(b), settings).score).toBe(score);
  });

  it.each([
    ['FreeStyle Libre 2', 'FreeStyle Libre 3'],
    ['Dexcom G6', 'Dexcom G7'],
    ['Omnipod 5', 'Omnipod DASH'],
    ['Evolut PRO', 'Evolut FX'],
    ['FreeStyle Libre 3', 'FreeStyle Libre 3 Plus'],
    ['MiniMed 780G', 'MiniMed 770G'],
  ])('keeps generations and variants apart: %s / %s', (a, b) => {
    const result = similarity(profile(a), profile(b), settings);
    expect(result.score).toBe(0);
    expect(result.reason).toMatch(/modell eller generation/);
  });

  it('never links different manufacturers or kinds', () => {
    expect(similarity(profile('Libre', 'Abbott'), profile('Libre', 'Roche'), settings).score).toBe(0);
    expect(similarity(profile('Optune'), profile('Optune', '', 'drug'), settings).score).toBe(0);
  });

  it('is symmetric and keeps a contained name below the link threshold', () => {
    const a = profile('Guardian Connect');
    const b = profile('Guardian');
    expect(similarity(a, b, settings)).toEqual(similarity(b, a, settings));
    expect(similarity(a, b, settings).score).toBeLessThan(settings.thresholds.link);
    expect(similarity(a, b, settings).score).toBeGreaterThanOrEqual(settings.thresholds.possibleDuplicate);
  });

  it('does not link short names one letter apart', () => {
    expect(similarity(profile('Optune'), profile('Optone'), settings).score).toBeLessThan(
      settings.thresholds.link,
    );
  });
});

describe('blocksOf', () => {
  it('puts a name with a typo in its first letters in a block with the right spelling', () => {
    const right = new Set(blocksOf(profile('FreeStyle Libre 3'), settings));
    const typo = blocksOf(profile('Rreestyle Libre 3'), settings);
    expect(typo.some((block) => right.has(block))).toBe(true);
  });

  it('keeps drugs and devices in different blocks', () => {
    const device = new Set(blocksOf(profile('Optune'), settings));
    expect(blocksOf(profile('Optune', '', 'drug'), settings).some((block) => device.has(block))).toBe(false);
  });
});
