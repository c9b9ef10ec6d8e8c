/**
 * The method an assessment's title is about, without the kind of report it is: "Hälsoekonomisk
 * bedömning av sakral nervstimulering vid fekal inkontinens" (TLV) and "Sakral nervstimulering
 * vid fekal inkontinens" (SBU) are one method, and a candidate is named after the method, not
 * after one agency's report. Swedish, Norwegian and English report kinds: TLV's health-economic
 * assessments, regional HTA units' "metodvärdering", Nye Metoder's "fullstendig/hurtig
 * metodevurdering", early assessments. A title that names no report kind is the method's name.
 */

/** The report kinds, as a title opens with them ("Hälsoekonomisk bedömning av …"). */
const REPORT_KINDS = [
  // Swedish
  'hälsoekonomisk bedömning',
  'hälsoekonomisk utvärdering',
  'hälsoekonomisk analys',
  'metodvärdering',
  'tidig bedömning',
  'tidig värdering',
  'mini-hta',
  'hta-rapport',
  'systematisk översikt',
  'snabböversikt', // Camtö's and the Uppsala–Örebro region's mini-HTA
  // Norwegian
  'fullstendig metodevurdering',
  'hurtig metodevurdering',
  'forenklet metodevurdering',
  'metodevurdering',
  'helseøkonomisk vurdering',
  'helseøkonomisk analyse',
  'tidlig vurdering',
  // English
  'health technology assessment',
  'health economic evaluation',
  'health economic assessment',
  'economic evaluation',
  'early assessment',
  'rapid assessment',
  'systematic review',
];

// The kinds hold letters, spaces and hyphens only, none special outside a character class.
const KINDS = REPORT_KINDS.join('|');

/** "Hälsoekonomisk bedömning av X", "Metodvärdering: X", "Fullstendig metodevurdering av X". */
const LEADING = new RegExp(`^(?:${KINDS})(?:\\s+(?:av|af|of|for|för)\\s+|\\s*[:–—-]\\s+)`, 'iu');

/**
 * "X – en hälsoekonomisk utvärdering", "X: a health technology assessment", "X – tidig
 * bedömning", "X – HTA-rapport 2026:3": the kind after a dash or colon, with an article and a
 * report number perhaps.
 */
const TRAILING = new RegExp(
  `\\s*(?:[:–—]|\\s-)\\s*(?:(?:en|ett|ei|et|a|an)\\s+)?(?:${KINDS})(?:\\s+[\\d:./-]+)?\\s*$`,
  'iu',
);

/** The first letter upper case when the name opens with a plain lower-case word. */
function capitalised(name: string): string {
  return /^\p{Ll}\p{Ll}/u.test(name) ? `${name.charAt(0).toLocaleUpperCase('sv')}${name.slice(1)}` : name;
}

/**
 * The method a report title names: the title without its report kind at the start or the end,
 * first letter capitalised. A title without a report kind, or one that is nothing but the kind,
 * comes back as it is (trimmed).
 */
export function methodNameOf(title: string): string {
  const trimmed = title.replace(/\s+/gu, ' ').trim();
  const name = trimmed.replace(LEADING, '').replace(TRAILING, '').trim();
  if (name === trimmed || name.length < 3) return trimmed;
  return capitalised(name);
}
