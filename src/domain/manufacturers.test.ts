// eslint-disable-next-line no-restricted-imports -- the test reads the shipped file; the domain code itself does no I/O
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  ManufacturersFile,
  NO_MANUFACTURER_ALIASES,
  canonicalManufacturer,
  canonicalManufacturerName,
  compileManufacturerAliases,
} from './manufacturers.js';
import { normaliseManufacturer } from './normalise.js';

const CONFIG = new URL('../../config/manufacturers.yaml', import.meta.url);
const file = ManufacturersFile.parse(parse(readFileSync(CONFIG, 'utf8')));
const aliases = compileManufacturerAliases(file);

describe('config/manufacturers.yaml', () => {
  it('validates and has realistic renames and group names', () => {
    expect(file.manufacturers.length).toBeGreaterThanOrEqual(30);
    const names = file.manufacturers.map((m) => m.name);
    expect(names).toEqual(
      expect.arrayContaining(['ICU Medical', 'MiniMed', 'Abbott', 'Mölnlycke Health Care']),
    );
  });
});

describe('canonicalManufacturer with the configured table', () => {
  const cases: [input: string, expected: string][] = [
    ['Smiths Medical ASD, Inc.', 'icu medical'],
    ['Smiths Medical International Ltd', 'icu medical'],
    ['ICU Medical, Inc.', 'icu medical'],
    ['Medtronic MiniMed, Inc.', 'minimed'],
    ['MiniMed', 'minimed'],
    ['Medtronic plc', 'medtronic'],
    ['Medtronic', 'medtronic'],
    ['Abbott Diabetes Care Ltd', 'abbott'],
    ['Abbott Diabetes Care Inc.', 'abbott'],
    ['Abbott Diabetes Care Sales Corporation', 'abbott'],
    ['ABBOTT LABORATORIES', 'abbott'],
    ['St. Jude Medical, LLC', 'abbott'],
    ['Mölnlycke Health Care AB', 'molnlycke health care'],
    ['Molnlycke Health Care', 'molnlycke health care'],
    ['MÖLNLYCKE', 'molnlycke health care'],
    ['Mölnlycke Health Care GmbH', 'molnlycke health care'],
    ['Roche Diabetes Care GmbH', 'roche'],
    ['F. Hoffmann-La Roche Ltd', 'roche'],
    ['Foundation Medicine, Inc.', 'roche'],
    ['Össur hf.', 'embla medical'],
    ['Ossur Iceland ehf', 'ossur iceland'],
    ['Becton, Dickinson and Company', 'becton dickinson'],
    ['BD', 'becton dickinson'],
    ['BD Diabetes Care', 'embecta'],
    ['Novocure GmbH', 'novocure'],
    // One-word aliases match only whole names: another company keeps its own key.
    ['Zimmer GmbH', 'zimmer biomet'],
    ['Zimmer MedizinSysteme GmbH', 'zimmer medizinsysteme'],
    ['Bard-Parker', 'bard parker'],
    ['Dexcom, Inc.', 'dexcom'],
    ['Unknown Devices AB', 'unknown devices'],
    ['', ''],
    ['   ', ''],
  ];
  it.each(cases)('%s → %s', (input, expected) => {
    expect(canonicalManufacturer(input, aliases)).toBe(expected);
  });

  it('is idempotent on its own output', () => {
    for (const [input] of cases) {
      const once = canonicalManufacturer(input, aliases);
      expect(canonicalManufacturer(once, aliases)).toBe(once);
    }
  });

  it('gives the display name of the canonical maker', () => {
    expect(canonicalManufacturerName('Smiths Medical ASD, Inc.', aliases)).toBe('ICU Medical');
    expect(canonicalManufacturerName('Molnlycke Health Care AB', aliases)).toBe('Mölnlycke Health Care');
    expect(canonicalManufacturerName(' Okänd  Tillverkare AB ', aliases)).toBe('Okänd Tillverkare AB');
  });

  it('without a table is normaliseManufacturer', () => {
    for (const name of ['Smiths Medical ASD, Inc.', 'Mölnlycke Health Care AB', 'Coloplast A/S']) {
      expect(canonicalManufacturer(name, NO_MANUFACTURER_ALIASES)).toBe(normaliseManufacturer(name));
    }
  });
});

describe('ManufacturersFile validation', () => {
  const bad: [name: string, value: unknown, message: RegExp][] = [
    [
      'an alias claimed by two makers',
      {
        version: '1',
        manufacturers: [
          { name: 'A Corp', aliases: ['X'] },
          { name: 'B', aliases: ['X Inc.'] },
        ],
      },
      /already an alias of .{0,2}A Corp/,
    ],
    [
      'an alias of punctuation only',
      { version: '1', manufacturers: [{ name: 'A', aliases: ['--'] }] },
      /no letters/,
    ],
    ['no makers', { version: '1', manufacturers: [] }, /too_small|>=1|at least/i],
    ['unknown key', { version: '1', manufacturers: [{ name: 'A', alias: ['B'] }] }, /unrecognized|alias/i],
  ];
  it.each(bad)('refuses %s', (_name, value, message) => {
    const result = ManufacturersFile.safeParse(value);
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toMatch(message);
  });
});
