/**
 * The guard against mass re-keying. When a source's item keys change under us (a renamed
 * identifier field the drift check did not catch, a site that moved every page to new URLs), the
 * same records come back as "new" items while the known ones vanish: every one would become new
 * evidence, a new report, a nomination and an alert. The guard compares what the same requests
 * listed before with what they list now; when more than a configured share of the known keys
 * disappeared while about as many new keys appeared, the run holds the new items for a person to
 * review instead of resolving them (src/store/holds.ts).
 *
 * Two steps, because paged registries shift (items move from one page to the next between
 * nights): a page that looks re-keyed on its own only defers its new items to the end of the
 * source's scan, and the source's whole scan then decides. Pure: no I/O.
 */

export interface RekeySettings {
  /** Share of the previously listed keys that must have disappeared (0–1). */
  share: number;
  /** Fewer previously listed keys than this never hold anything (small lists churn). */
  minKnown: number;
}

export const DEFAULT_REKEY: RekeySettings = { share: 0.5, minKnown: 20 };

/** New keys must be at least this share of the vanished ones: "as many new ones appear". */
const BALANCE = 0.8;

export interface KeyShift {
  /** Distinct keys the same requests listed the previous time they were read. */
  known: number;
  /** Of those, how many the requests no longer list. */
  gone: number;
  /** Keys listed now that the source never had. */
  fresh: number;
}

function looksRekeyed(shift: KeyShift, share: number): boolean {
  return shift.known > 0 && shift.gone / shift.known > share && shift.fresh >= shift.gone * BALANCE;
}

/** A page whose new items wait for the source's whole scan before they are resolved. */
export function pageLooksRekeyed(shift: KeyShift, settings: RekeySettings = DEFAULT_REKEY): boolean {
  return shift.fresh > 0 && looksRekeyed(shift, settings.share);
}

/** Why the source's scan is held for review, or undefined when its new items may go on. */
export function rekeyProblem(shift: KeyShift, settings: RekeySettings = DEFAULT_REKEY): string | undefined {
  if (shift.known < settings.minKnown || !looksRekeyed(shift, settings.share)) return undefined;
  return `${shift.gone} av ${shift.known} kända poster försvann och ${shift.fresh} nya dök upp samtidigt (möjlig omnyckling)`;
}
