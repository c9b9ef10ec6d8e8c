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

/**
 * Canonical UDI-DI. Whitespace is removed; the GS1 application identifier "(01)" (or a bare
 * leading "01" before 14 digits, as scanned) is stripped; GTIN-8/12/13 are left-padded to
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
  let digits = compact.replace(/^\(01\)/, '').replace(/-/g, '');
  if (/^01\d{14}$/.test(digits)) digits = digits.slice(2);
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
