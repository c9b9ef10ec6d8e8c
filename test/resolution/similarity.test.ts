import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { NameProfile } from '../../src/domain/resolution.js';
import { lookupBlocks, nameBlocks, ResolutionSettings, similarity } from '../../src/domain/resolution.js';
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

  const registered = (name: string, maker: string, srn: string, basicUdiDi?: string): NameProfile => ({
    ...profile(name, maker),
    srn,
    ...(basicUdiDi === undefined ? {} : { basicUdiDi }),
  });

  it('never links registrations of different makers, SRNs or Basic UDI-DIs by name', () => {
    expect(
      similarity(
        registered('Libre', 'Abbott', 'GB-MF-000002513'),
        registered('Libre', 'Roche', 'DE-MF-000006014'),
        settings,
      ).score,
    ).toBe(0);
    expect(
      similarity(
        registered('Libre', 'Abbott', 'GB-MF-000002513', 'A1'),
        registered('Libre', 'Abbott', 'GB-MF-000002513', 'A2'),
        settings,
      ).reason,
    ).toMatch(/Basic UDI-DI/);
    // The same SRN is one maker whatever the name says.
    expect(
      similarity(
        registered('Libre', 'Abbott', 'GB-MF-000002513'),
        registered('Libre', 'ADC Ltd', 'GB-MF-000002513'),
        settings,
      ).score,
    ).toBe(1);
    expect(similarity(profile('Optune'), profile('Optune', '', 'drug'), settings).score).toBe(0);
  });

  it('links a notice naming another company (a distributor) only on the very same name', () => {
    const registry = registered('GI Genius', 'Cosmo Intelligent Medical Devices', 'IE-MF-000011842');
    const notice = (name: string): NameProfile => ({ ...profile(name, 'Medtronic'), makerNamedOnly: true });
    expect(similarity(notice('GI Genius'), registry, settings).score).toBe(settings.thresholds.link);
    expect(similarity(notice('GI Genuis Module'), registry, settings).score).toBeLessThan(
      settings.thresholds.link,
    );
    // An FDA applicant or a certificate's manufacturer is the maker: another company's name is not.
    expect(similarity(profile('GI Genius', 'Medtronic'), registry, settings).score).toBe(0);
  });

  it.each([
    ['Name Gen 2', 'Name 2'],
    ['Name G2', 'Name 2'],
    ['Name II', 'Name 2'],
    ['Name 2nd generation', 'Name 2'],
    ['Name Mk II', 'Name v2'],
    ['InterStim (2)', 'InterStim II'],
  ])('reads generation markers alike: %s / %s', (a, b) => {
    expect(similarity(profile(a), profile(b), settings).score).toBe(1);
  });

  it.each([
    ['Name Gen 2', 'Name Gen 3'],
    ['Name II', 'Name III'],
    ['Inspire IV', 'Inspire V'],
  ])('never links different generations: %s / %s', (a, b) => {
    expect(similarity(profile(a), profile(b), settings).score).toBe(0);
  });

  it('does not take a lone letter in a name for a generation ("GI Genius", "Evolut R")', () => {
    expect(similarity(profile('GI Genius'), profile('Gi Genius'), settings).score).toBe(1);
    expect(
      similarity(profile('Evolut R Transcatheter Aortic Valve'), profile('Evolut R'), settings).score,
    ).toBe(0.9);
    expect(similarity(profile('Evolut R'), profile('Evolut 1'), settings).score).toBe(0);
  });

  it('never flags names that share only a number pattern', () => {
    expect(similarity(profile('KineticPatch 2'), profile('VivoCore 2'), settings).score).toBe(0);
    expect(similarity(profile('Kavoda 2'), profile('Vemora 2'), settings).score).toBe(0);
  });

  it('is symmetric and keeps a contained name below the link threshold', () => {
    const a = profile('Guardian Connect');
    const b = profile('Guardian');
    expect(similarity(a, b, settings)).toEqual(similarity(b, a, settings));
    expect(similarity(a, b, settings).score).toBeLessThan(settings.thresholds.link);
    expect(similarity(a, b, settings).score).toBeGreaterThanOrEqual(settings.thresholds.possibleDuplicate);
  });

  it("links a text's bare maker name to the maker's product only when it names no model", () => {
    const registered = profile('NordHeart Leadless Atrial Pacemaker System', 'NordHeart Medical AB');
    const brand = profile('NordHeart', '', 'product');
    expect(similarity(brand, registered, settings)).toEqual({
      score: 0.9,
      reason: 'tillverkarens namn inleder produktnamnet',
      brandOnly: true,
    });
    expect(similarity(registered, brand, settings)).toEqual(similarity(brand, registered, settings));
    // A model or generation after the maker's name: which one the text means is not said.
    expect(similarity(brand, profile('NordHeart 2 Pacemaker', 'NordHeart Medical AB'), settings).score).toBe(
      0.8,
    );
    // A brand that is not the maker's name stays a contained name (Optune / Optune Lua).
    expect(similarity(profile('Optune'), profile('Optune Lua', 'Novocure GmbH'), settings).score).toBe(0.8);
  });

  it('does not link short names one letter apart', () => {
    expect(similarity(profile('Optune'), profile('Optone'), settings).score).toBeLessThan(
      settings.thresholds.link,
    );
  });
});

describe('blocks', () => {
  const stored = (name: string, maker = '', kind: NameProfile['kind'] = 'device'): string[] => {
    const blocks = nameBlocks(profile(name, maker, kind), settings);
    return [`h${blocks.head}`, `t${blocks.tail}`];
  };
  const looked = (name: string, maker = '', kind: NameProfile['kind'] = 'device'): string[] => {
    const blocks = lookupBlocks(profile(name, maker, kind), settings);
    return [...blocks.heads.map((b) => `h${b}`), ...blocks.tails.map((b) => `t${b}`)];
  };

  it('puts a name with a typo in its first letters in a block with the right spelling', () => {
    const right = new Set(stored('FreeStyle Libre 3'));
    expect(looked('Rreestyle Libre 3').some((block) => right.has(block))).toBe(true);
  });

  it('finds a registry name that opens with its maker from a text that does not, and the reverse', () => {
    expect(
      looked('FreeStyle Libre 3').some((b) => new Set(stored('Abbott FreeStyle Libre 3', 'Abbott')).has(b)),
    ).toBe(true);
    expect(
      looked('FreeStyle Libre 3', 'Abbott').some((b) => new Set(stored('Abbott FreeStyle Libre 3')).has(b)),
    ).toBe(true);
  });

  it("files a product opening with its maker's name where the maker's name alone looks", () => {
    const filed = nameBlocks(
      profile('NordHeart Leadless Atrial Pacemaker System', 'NordHeart Medical AB'),
      settings,
    );
    const looking = lookupBlocks(profile('NordHeart', '', 'product'), settings);
    expect(filed.concepts).toEqual(['device@nordheart']);
    expect(looking.concepts).toContain('device@nordheart');
    expect(
      nameBlocks(profile('NordHeart 2 Pacemaker', 'NordHeart Medical AB'), settings).concepts,
    ).toBeUndefined();
  });

  it('lets a registered name and its typo one letter shorter meet in either order', () => {
    // "Lekusso" (7 letters) is short and filed under the SRN; "Lelkusso" (8) is not.
    const eight = { ...profile('Lelkusso Sensor X9', 'Homdoh Ltd'), srn: 'SE-MF-000000001' };
    const seven = { ...profile('Lekusso Sensor X9', 'Homdoh Ltd'), srn: 'SE-MF-000000001' };
    const keys = (b: { head?: string; tail?: string }): string[] => [`h${b.head}`, `t${b.tail}`];
    const lookups = (p: NameProfile): string[] => {
      const b = lookupBlocks(p, settings);
      return [...b.heads.map((x) => `h${x}`), ...b.tails.map((x) => `t${x}`)];
    };
    expect(similarity(eight, seven, settings).score).toBeGreaterThanOrEqual(settings.thresholds.link);
    expect(lookups(eight).some((k) => keys(nameBlocks(seven, settings)).includes(k))).toBe(true);
    expect(lookups(seven).some((k) => keys(nameBlocks(eight, settings)).includes(k))).toBe(true);
  });

  it('keeps drugs and devices, and different model codes, in different blocks', () => {
    const drug = new Set(stored('Optune', '', 'drug'));
    expect(looked('Optune').some((block) => drug.has(block))).toBe(false);
    const libre2 = new Set(stored('FreeStyle Libre 2'));
    expect(looked('FreeStyle Libre 3').some((block) => libre2.has(block))).toBe(false);
  });
});
