import { describe, expect, it } from 'vitest';
import { detectLanguage, withDetectedLanguage } from './language.js';

describe('detectLanguage', () => {
  const cases: [name: string, text: string, expected: 'sv' | 'en' | 'no' | undefined][] = [
    [
      'Swedish HTA summary',
      'Kontinuerlig glukosmätning vid typ 1-diabetes hos barn. Metoden är inte etablerad och används i dag bara i några regioner.',
      'sv',
    ],
    ['Swedish title with ä/ö only', 'Sårbehandling med förband för svårläkta bensår', 'sv'],
    ['Swedish safety notice', 'Säkerhetsmeddelande: återkallelse av insulinpump från tillverkaren', 'sv'],
    [
      'Norwegian (bokmål) method text',
      'Metoden er ikke vurdert av Bestillerforum, og det er usikkert om den skal tas i bruk for pasienter med diabetes.',
      'no',
    ],
    ['Norwegian title with æ/ø', 'Hurtig metodevurdering av sensor for glukosemåling hos barn og unge', 'no'],
    ['Norwegian nynorsk', 'Metoden er ikkje teken i bruk, og det er uklart kva han kostar.', 'no'],
    ['Norwegian with ø only', 'Behandling med søvnapnémaskin før og etter operasjon', 'no'],
    [
      'English abstract',
      'The device is intended for patients with type 1 diabetes and has been evaluated in a randomised trial.',
      'en',
    ],
    ['English short title', 'Field safety notice for the insulin pump', 'en'],
    ['trade name only', 'FreeStyle Libre 3', undefined],
    ['codes only', 'Q010699 2023-501234-12-00 NCT06171568', undefined],
    ['empty', '', undefined],
    ['one shared word', 'behandling', undefined],
    ['only å: both Scandinavian languages, no decision', 'på år', undefined],
    ['HTML-ish noise', '<div>&nbsp;</div>', undefined],
    [
      'Swedish text quoting an English title',
      'SBU har utvärderat metoden och anser att den inte bör användas: "The effect of the device on mortality"',
      'sv',
    ],
    [
      'decomposed ä/ö (NFD) still Swedish',
      'Ja\u0308mfo\u0308relse av behandlingar fo\u0308r a\u0308ldre och barn',
      'sv',
    ],
    ['upper case', 'ÅTERKALLELSE AV INSULINPUMP FRÅN TILLVERKAREN OCH INTE FÖR BARN', 'sv'],
  ];
  it.each(cases)('%s', (_name, text, expected) => {
    expect(detectLanguage(text)).toBe(expected);
  });

  it('reads only the start of a very long text', () => {
    const text = `${'Metoden är inte etablerad och används bara vid diabetes. '.repeat(50)}${'the and of '.repeat(100_000)}`;
    const started = performance.now();
    expect(detectLanguage(text)).toBe('sv');
    expect(performance.now() - started).toBeLessThan(100);
  });
});

describe('withDetectedLanguage', () => {
  it('keeps the language an adapter set', () => {
    const item = { title: 'The device and the patients', language: 'sv' as const };
    expect(withDetectedLanguage(item)).toBe(item);
  });

  it('sets the detected language from title and summary', () => {
    expect(
      withDetectedLanguage({
        title: 'Optune',
        summary: 'Metoden är inte etablerad och används vid glioblastom.',
      }),
    ).toEqual({
      title: 'Optune',
      summary: 'Metoden är inte etablerad och används vid glioblastom.',
      language: 'sv',
    });
  });

  it('leaves an undecidable item without a language', () => {
    const item = { title: 'FreeStyle Libre 3' };
    expect(withDetectedLanguage(item)).toEqual({ title: 'FreeStyle Libre 3' });
  });
});
