/**
 * Device identifiers (EU MDR/IVDR UDI system). A UDI-DI is issued by one of the designated
 * issuing entities: GS1 (numeric GTIN), HIBCC (starts with '+'), ICCBBA (ISBT 128, starts with
 * '=') or IFA (PPN). GS1 is by far the most common in EUDAMED.
 */

const GTIN_LENGTHS = new Set([8, 12, 13, 14]);

/**
 * GS1 check digit (GS1 General Specifications §7.9.1): from the right, the digits before the
 * check digit are weighted 3, 1, 3, …; the check digit brings the sum to a multiple of ten.
 */
export function isValidGtin(s: string): boolean {
  if (!/^\d+$/.test(s) || !GTIN_LENGTHS.has(s.length)) return false;
  let sum = 0;
  for (let i = s.length - 2, weight = 3; i >= 0; i--, weight = 4 - weight) {
    sum += Number(s[i]) * weight;
  }
  return (10 - (sum % 10)) % 10 === Number(s[s.length - 1]);
}

/** Application identifiers of a UDI carrier, with their fixed data length (undefined: variable). */
const GS1_AIS: ReadonlyMap<string, { name: keyof Gs1Udi; length?: number; max: number }> = new Map([
  ['01', { name: 'gtin', length: 14, max: 14 }],
  ['11', { name: 'productionDate', length: 6, max: 6 }],
  ['17', { name: 'expiryDate', length: 6, max: 6 }],
  ['10', { name: 'lot', max: 20 }],
  ['21', { name: 'serial', max: 20 }],
  ['8012', { name: 'softwareVersion', max: 20 }],
] as const);

/** A GS1 UDI as printed under the barcode or sent by a scanner: the DI and the PIs it carries. */
export interface Gs1Udi {
  /** The GTIN as written (14 digits), not yet checked. */
  gtin: string;
  /** `YYYY-MM-DD`, or `YYYY-MM` when the day is 00 ("end of month" in GS1). */
  productionDate?: string;
  expiryDate?: string;
  lot?: string;
  serial?: string;
  softwareVersion?: string;
}

/** GS1 `YYMMDD`; the UDI system started after 2000, so YY is 20YY. Day 00 means month only. */
function gs1Date(yymmdd: string): string | undefined {
  const m = /^(\d{2})(\d{2})(\d{2})$/.exec(yymmdd);
  if (!m) return undefined;
  const year = 2000 + Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12) return undefined;
  const ym = `${year}-${m[2]}`;
  if (day === 0) return ym;
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= last ? `${ym}-${m[3]}` : undefined;
}

const GROUP_SEPARATOR = '\u001d';

/**
 * Reads a GS1 element string that starts with the GTIN: the human-readable form
 * `(01)05021791005734(17)250101(10)ABC123(21)X1`, or the scanner form `0105021791005734172501…`
 * (variable-length fields ended by the group separator, or by the end of the string; a scanner's
 * symbology prefix such as `]d2` or `]C1` is dropped). Unknown application identifiers end the
 * reading of the scanner form (their length is unknown) but are skipped in the bracketed form.
 * `undefined` when the string does not start with (01) and 14 digits.
 */
export function parseGs1Udi(s: string): Gs1Udi | undefined {
  const compact = s
    .replace(/^\][A-Za-z]\d/, '')
    .replace(/[ \t\r\n]+/g, '')
    .replace(/<GS>|\\x1d|\{GS\}/gi, GROUP_SEPARATOR);
  const out: Partial<Gs1Udi> = {};
  const set = (ai: string, value: string): boolean => {
    const def = GS1_AIS.get(ai);
    if (def === undefined) return true;
    if (value === '' || value.length > def.max || (def.length !== undefined && value.length !== def.length)) {
      return false;
    }
    if (def.name === 'productionDate' || def.name === 'expiryDate') {
      const date = gs1Date(value);
      if (date === undefined) return false;
      out[def.name] = date;
    } else {
      out[def.name] = value;
    }
    return true;
  };
  if (compact.startsWith('(')) {
    const parts = [...compact.matchAll(/\((\d{2,4})\)([^()]*)/g)];
    if (parts.map((p) => p[0]).join('') !== compact) return undefined;
    for (const [, ai, value] of parts) {
      if (!set(ai!, value!.replace(new RegExp(GROUP_SEPARATOR, 'g'), ''))) return undefined;
    }
  } else {
    let rest = compact;
    while (rest !== '') {
      const ai = [...GS1_AIS.keys()].find((key) => rest.startsWith(key));
      if (ai === undefined) break;
      const def = GS1_AIS.get(ai)!;
      rest = rest.slice(ai.length);
      let value: string;
      if (def.length !== undefined) {
        value = rest.slice(0, def.length);
        rest = rest.slice(def.length);
      } else {
        const end = rest.indexOf(GROUP_SEPARATOR);
        value = end === -1 ? rest : rest.slice(0, end);
        rest = end === -1 ? '' : rest.slice(end);
      }
      if (!set(ai, value)) return undefined;
      if (rest.startsWith(GROUP_SEPARATOR)) rest = rest.slice(1);
    }
  }
  if (out.gtin === undefined || !/^\d{14}$/.test(out.gtin)) return undefined;
  return out as Gs1Udi;
}

/**
 * Canonical UDI-DI. Whitespace is removed; the GS1 application identifier "(01)" (or a bare
 * leading "01" before 14 digits, as scanned) is stripped, and so is everything a full GS1 UDI
 * carries after the GTIN ((17) expiry, (10) lot, (21) serial, …); GTIN-8/12/13 are left-padded to
 * GTIN-14 and the check digit must hold (otherwise `undefined`). HIBC ('+…') and ISBT 128
 * ('=…') identifiers are kept as they are, uppercased. Anything else is `undefined`.
 */
export function normaliseUdiDi(s: string): string | undefined {
  const compact = s.replace(/\s+/g, '');
  if (compact === '') return undefined;
  if (compact.startsWith('+') || compact.startsWith('=')) {
    const upper = compact.toUpperCase();
    // HIBC uses the Code 39 character set; ISBT 128 its own alphanumerics.
    return /^[+=][A-Z0-9$/.%\-+]{2,63}$/.test(upper) ? upper : undefined;
  }
  let digits = compact.replace(/-/g, '');
  // A GTIN-14 may itself start with 01; only 16 or more digits are read as AI (01) + GTIN.
  if (/^(?:\][A-Za-z]\d)?(?:\(01\)|01\d{14})/.test(digits)) {
    const parsed = parseGs1Udi(digits);
    if (parsed === undefined) return undefined;
    digits = parsed.gtin;
  }
  if (!/^\d+$/.test(digits) || !GTIN_LENGTHS.has(digits.length)) return undefined;
  const gtin14 = digits.padStart(14, '0');
  return isValidGtin(gtin14) ? gtin14 : undefined;
}

/**
 * Canonical Basic UDI-DI: whitespace removed, uppercased, and a GS1 "(8013)" (Global Model
 * Number) application identifier stripped. The Basic UDI-DI is alphanumeric (GS1 GMN, HIBC
 * "B-…", ICCBBA, IFA, or EUDAMED-assigned), so no check digit is verified here; a value with
 * characters outside the UDI character set, or longer than 64, is `undefined`.
 */
export function normaliseBasicUdiDi(s: string): string | undefined {
  const compact = s
    .replace(/\s+/g, '')
    .replace(/^\(8013\)/, '')
    .toUpperCase();
  if (compact === '' || compact.length > 64) return undefined;
  return /^[A-Z0-9][A-Z0-9$/.%\-+*=_#]*$/.test(compact) || /^[+=][A-Z0-9$/.%\-+*=_#]+$/.test(compact)
    ? compact
    : undefined;
}

/** Dashes and minus signs that copy-paste and word processors put where a hyphen was meant. */
const DASHES = /[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]/g;

/** NFKC, typographic dashes to '-', whitespace collapsed and trimmed. */
function tidy(s: string): string {
  return s.normalize('NFKC').replace(DASHES, '-').replace(/\s+/gu, ' ').trim();
}

/**
 * EUDAMED Single Registration Number: country, actor type and nine digits, `SE-MF-000012345`.
 * Case, spaces and typographic dashes are forgiven, and fewer than nine digits are zero-padded
 * (SRNs are issued zero-padded; `SE-MF-12345` can only mean `SE-MF-000012345`). Actor types: MF
 * manufacturer, AR authorised representative, IM importer, PR system/procedure-pack producer.
 */
export function normaliseSrn(s: string): string | undefined {
  const m = /^([A-Z]{2})\s*-\s*(MF|AR|IM|PR)\s*-\s*(\d{1,9})$/.exec(tidy(s).toUpperCase());
  if (!m) return undefined;
  return `${m[1]}-${m[2]}-${m[3]!.padStart(9, '0')}`;
}

/**
 * Notified-body number (NANDO/EUDAMED), four digits: `0197`, `NB 0197`, `CE 0197`, `NB0197`.
 * The leading zero is part of the number; `197` is read as `0197`.
 */
export function normaliseNotifiedBodyNumber(s: string): string | undefined {
  const m = /^(?:(?:NB|CE|NOTIFIED BODY|ANMÄLT ORGAN)\s*(?:NO\.?|NR\.?|NUMBER)?\s*:?\s*)?(\d{1,4})$/.exec(
    tidy(s).toUpperCase(),
  );
  return m ? m[1]!.padStart(4, '0') : undefined;
}

/**
 * A notified body's certificate number. Each body has its own scheme (`Z-25-052-S-IX-E`,
 * `MDR 712345`, `G1 123456 0001 Rev. 00`, `2797-MDR-0123`), so only the writing is normalised:
 * NFKC, upper case, typographic dashes, a label in front ("Certificate No.:", "Certifikat nr")
 * dropped and whitespace collapsed. It must contain a digit and fit in 100 characters.
 */
export function normaliseCertificateNumber(s: string): string | undefined {
  const value = tidy(s)
    .toUpperCase()
    .replace(
      /^(?:EU[- ])?(?:CERTIFICATE|CERTIFIKAT|SERTIFIKAT|ZERTIFIKAT|CERT\.?)\s*(?:NO\.?|NR\.?|NUMBER|NUMMER)?\s*[:#]?\s*/,
      '',
    )
    .replace(/\s*-\s*/g, '-');
  if (value === '' || value.length > 100 || !/\d/.test(value) || !/^[A-Z0-9]/.test(value)) return undefined;
  return /^[A-Z0-9][A-Z0-9 ./\-_()]*$/.test(value) ? value : undefined;
}

/** ClinicalTrials.gov id, `NCT` and eight digits: `nct 0617-1568`, `NCT06171568`. */
export function normaliseNctId(s: string): string | undefined {
  const m = /^NCT[\s-]*(\d{4})[\s-]*(\d{4})$/.exec(tidy(s).toUpperCase());
  return m ? `NCT${m[1]}${m[2]}` : undefined;
}

/** Every NCT id in a text, each once, in order of appearance. */
export function findNctIds(text: string): string[] {
  const found = [...tidy(text).matchAll(/(?<![A-Za-z0-9])NCT[\s-]?\d{8}(?!\d)/gi)].map((m) =>
    normaliseNctId(m[0]),
  );
  return [...new Set(found.filter((id): id is string => id !== undefined))];
}

const EU_CT = /(?<!\d)((?:19|20|21)\d{2})\s*-\s*(\d{6})\s*-\s*(\d{2})(?:\s*-\s*(\d{2}))?(?![\d-])/;

/**
 * EU clinical-trial number: the CTIS form `2023-501234-12-00` (year, six digits starting with 5,
 * check digits, sequence) or the older EudraCT form `2015-001234-56`. Labels ("EU CT number:",
 * "EudraCT") and spacing around the dashes are forgiven; a CTIS number without its `-00`
 * sequence is completed, because CTIS numbers always carry it.
 */
export function normaliseEuCtNumber(s: string): string | undefined {
  const value = tidy(s)
    .replace(/^(?:EU\s*CT|EUDRACT|CTIS)(?:\s*(?:NO\.?|NR\.?|NUMBER|NUMMER))?\s*[:#]?\s*/i, '')
    .trim();
  const m = new RegExp(`^${EU_CT.source.replace('(?<!\\d)', '').replace('(?![\\d-])', '')}$`).exec(value);
  return m ? euCt(m) : undefined;
}

function euCt(m: RegExpExecArray): string | undefined {
  const [, year, number, check, sequence] = m;
  if (number!.startsWith('5')) return `${year}-${number}-${check}-${sequence ?? '00'}`;
  // EudraCT numbers have no sequence part.
  return sequence === undefined ? `${year}-${number}-${check}` : undefined;
}

/** The first EU clinical-trial number in a text (a sponsor's id field, a summary). */
export function findEuCtNumber(text: string): string | undefined {
  const m = EU_CT.exec(tidy(text));
  return m ? euCt(m) : undefined;
}

/**
 * EMDN code (European Medical Device Nomenclature): a category letter and up to six pairs of
 * digits, `Q010699`, `W0101`, `J`. EUDAMED stores some codes with a leading space or a non-breaking
 * space; case and inner spaces are forgiven. Anything else is `undefined`.
 */
export function normaliseEmdnCode(s: string): string | undefined {
  const compact = s.normalize('NFKC').replace(/\s+/gu, '').toUpperCase();
  return /^[A-Z]\d{0,12}$/.test(compact) ? compact : undefined;
}

const ROMAN_CLASS: Readonly<Record<string, string>> = {
  '1': 'i',
  '2a': 'iia',
  '2b': 'iib',
  '3': 'iii',
  i: 'i',
  iia: 'iia',
  iib: 'iib',
  iii: 'iii',
  is: 'i',
  im: 'i',
  ir: 'i',
  ism: 'i',
};

/**
 * MDR/IVDR risk class as EUDAMED's code without its `refdata.risk-class.` prefix: `class-i`,
 * `class-iia`, `class-iib`, `class-iii`, `class-a` … `class-d`, and the directive-era codes
 * `ivd-general`, `ivd-annex-ii-list-a`, `ivd-annex-ii-list-b`, `ivd-devices-self-testing` and
 * `aimdd`. Plain and legacy spellings map to the same codes: "IIb", "Klass III", "Class 2a",
 * "class IIa (rule 11)", "Is"/"Im"/"Ir" (class I sterile, measuring, reusable → `class-i`),
 * "IVDR class C", "List A", "Annex II List B", "self-testing", "AIMD". Anything else is returned
 * tidied (lower case, spaces to '-') so that it is still shown and compared as written.
 */
export function normaliseRiskClass(s: string): string | undefined {
  const lower = tidy(s).toLowerCase();
  if (lower === '') return undefined;
  const code = lower.includes('refdata.') ? lower.slice(lower.lastIndexOf('.') + 1) : lower;
  if (/^(?:class-(?:i|iia|iib|iii|[a-d])|ivd-[a-z-]+|aimdd)$/.test(code)) return code;
  const bare = code
    .replace(/\([^)]*\)/g, ' ')
    .replace(/\b(?:mdr|ivdr|mdd|eu|risk|device|medical|rule\s*\d+[a-z]?)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (/^(?:aimd|aimdd|active implantable(?: medical device)?s?)$/.test(bare)) return 'aimdd';
  if (/(?:^|\s)list a$/.test(bare)) return 'ivd-annex-ii-list-a';
  if (/(?:^|\s)list b$/.test(bare)) return 'ivd-annex-ii-list-b';
  if (/self[- ]?test/.test(bare)) return 'ivd-devices-self-testing';
  if (/^(?:general ivd|ivd general|ivd-general|other ivds?|ivd other)$/.test(bare)) return 'ivd-general';
  const plain =
    /^(?:ivd\s+)?(?:(?:risk)?(?:klass|klasse|class|cl\.?)[\s-]*)?(iii|iib|iia|ii|i|ism|is|im|ir|[123]|2[ab]|[abcd])$/.exec(
      bare,
    );
  if (plain?.[1] !== undefined) {
    const c = plain[1];
    if (/^[abcd]$/.test(c)) return `class-${c}`;
    const roman = ROMAN_CLASS[c];
    if (roman !== undefined) return `class-${roman}`;
  }
  return code.replace(/\s+/g, '-');
}
