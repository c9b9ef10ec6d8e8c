import { foldForMatching, normaliseProductName, normaliseText } from './normalise.js';

/**
 * Product-name mentions in Swedish, English or Norwegian prose (titles, summaries).
 *
 * Swedish and Norwegian do not capitalise common nouns, so a capitalised word in the middle of a
 * sentence is either a proper noun (a place, an organisation, a person) or a brand. Places and
 * organisations that recur in this domain are listed below; what remains is treated as a brand.
 * The first word of a sentence is capitalised anyway, so it only counts when something else marks
 * it as a brand: CamelCase (FreeStyle), a model/generation token after it (Dexcom G7), a Swedish
 * hyphen compound (Optune-behandling), parentheses, or the same word recognised elsewhere in the
 * text. English headlines in Title Case are detected and then need CamelCase, a model token or
 * parentheses.
 */

/** Organisations, places, acronyms and other capitalised words that are never product names. */
const STOP_WORDS = new Set(
  [
    // Swedish public bodies, councils and the HTA landscape
    'region',
    'regionen',
    'regioner',
    'regionerna',
    'regional',
    'regionala',
    'landsting',
    'landstinget',
    'kommun',
    'kommunen',
    'sjukvårdsregion',
    'sjukvårdsregionen',
    'samverkansregion',
    'sbu',
    'tlv',
    'skr',
    'skl',
    'hta',
    'mini-hta',
    'hta-centrum',
    'hta-enheten',
    'centrum',
    'nt-rådet',
    'mtp-rådet',
    'nt',
    'mtp',
    'rådet',
    'beredningsgruppen',
    'npo',
    'nationellt',
    'nationella',
    'nationell',
    'programområde',
    'kunskapsstyrning',
    'janusinfo',
    'läkemedelsverket',
    'socialstyrelsen',
    'folkhälsomyndigheten',
    'e-hälsomyndigheten',
    'vårdanalys',
    'ivo',
    'myndigheten',
    'regeringen',
    'riksdagen',
    'utvärderar',
    'kommenterar',
    'kartlägger',
    'bereder',
    'upplysningstjänst',
    'upplysningstjänsten',
    'metodrådet',
    'prioriteringsrådet',
    'sahlgrenska',
    'karolinska',
    'akademiska',
    'universitetssjukhuset',
    'universitetssjukhus',
    'sus',
    // places
    'sverige',
    'sveriges',
    'svensk',
    'svenska',
    'norge',
    'norsk',
    'norska',
    'danmark',
    'dansk',
    'danska',
    'finland',
    'island',
    'norden',
    'nordisk',
    'nordiska',
    'nordic',
    'europa',
    'europe',
    'european',
    'eu',
    'ees',
    'eea',
    'usa',
    'us',
    'uk',
    'england',
    'tyskland',
    'germany',
    'sweden',
    'swedish',
    'norway',
    'norwegian',
    'denmark',
    'stockholm',
    'gotland',
    'uppsala',
    'sörmland',
    'södermanland',
    'östergötland',
    'jönköping',
    'jönköpings',
    'kronoberg',
    'kalmar',
    'blekinge',
    'skåne',
    'halland',
    'västra',
    'götaland',
    'götalands',
    'götalandsregionen',
    'värmland',
    'örebro',
    'västmanland',
    'dalarna',
    'gävleborg',
    'västernorrland',
    'jämtland',
    'härjedalen',
    'västerbotten',
    'norrbotten',
    'norra',
    'södra',
    'sydöstra',
    'mellansverige',
    'norrland',
    'göteborg',
    'malmö',
    'lund',
    'linköping',
    'umeå',
    'oslo',
    'helse',
    'sør-øst',
    'midt-norge',
    'vest',
    'nord',
    'nye',
    'metoder',
    'mednytt',
    'folkehelseinstituttet',
    'fhi',
    'helsedirektoratet',
    'beslutningsforum',
    'bestillerforum',
    'sykehusinnkjøp',
    // regulators, registries and acronyms
    'mdr',
    'ivdr',
    'mdd',
    'aimdd',
    'ivdd',
    'ce',
    'ce-märkt',
    'ce-märkning',
    'udi',
    'udi-di',
    'eudamed',
    'nando',
    'emdn',
    'gmdn',
    'atc',
    'icd',
    'icd-10',
    'fda',
    'ema',
    'nice',
    'nhs',
    'cadth',
    'ihsi',
    'eunethta',
    'who',
    'clinicaltrials',
    'clinicaltrials.gov',
    'pubmed',
    'eudract',
    'ctis',
    'nct',
    'rct',
    'cgm',
    'fgm',
    'ai',
    'it',
    'hba1c',
    'egfr',
    'mrna',
    'dna',
    'rna',
    'covid',
    'covid-19',
    'sars-cov-2',
    'ios',
    'android',
    'kol',
    'copd',
    'als',
    'ms',
    // capitalised words that name categories, not products
    // "Icke-invasiv", "Ikke-invasiv": a negation opening a sentence, not a brand
    'icke',
    'ikke',
    'typ',
    'type',
    'klass',
    'class',
    'fas',
    'phase',
    'steg',
    'stage',
    'grad',
    'grade',
    'version',
    'del',
    'part',
    'bilaga',
    'appendix',
    'annex',
    'figur',
    'figure',
    'tabell',
    'table',
    'artikel',
    'article',
    'kapitel',
    'chapter',
    'nr',
    'no',
    'vol',
    'rapport',
    'report',
    'indikation',
    'indikasjon',
    'indication',
    'i',
    'ii',
    'iia',
    'iib',
    'iii',
    'iv',
    // technique acronyms written in mixed case
    'cade',
    'cadx',
    'ttfields',
    // genera of pathogens, capitalised in every language ("Clostridioides difficile")
    'clostridioides',
    'clostridium',
    'staphylococcus',
    'streptococcus',
    'enterococcus',
    'escherichia',
    'helicobacter',
    'pseudomonas',
    'klebsiella',
    'candida',
    'mycobacterium',
    'salmonella',
    'listeria',
    'neisseria',
    'chlamydia',
    'borrelia',
    'legionella',
    'haemophilus',
    'aspergillus',
    'plasmodium',
    // disease eponyms, capitalised in Swedish too
    'parkinson',
    'parkinsons',
    'alzheimer',
    'alzheimers',
    'crohn',
    'crohns',
    'hodgkin',
    'hodgkins',
    'huntington',
    'huntingtons',
    'cushing',
    'cushings',
    'addison',
    'addisons',
    'graves',
    'hashimoto',
    'hashimotos',
    'ménière',
    'ménières',
    'menière',
    'bechterew',
    'bechterews',
    'sjögren',
    'sjögrens',
    'raynaud',
    'raynauds',
    'duchenne',
    'duchennes',
    'tourette',
    'tourettes',
    'asperger',
    'aspergers',
    'down',
    'downs',
    // large manufacturers (a company is not a product; the brand that follows is)
    'abbott',
    'medtronic',
    'novocure',
    'senseonics',
    'roche',
    'insulet',
    'tandem',
    'ypsomed',
    'mölnlycke',
    'essity',
    'coloplast',
    'convatec',
    'philips',
    'siemens',
    'healthineers',
    'baxter',
    'fresenius',
    'getinge',
    'elekta',
    'stryker',
    'zimmer',
    'biomet',
    'smith',
    'nephew',
    'boston',
    'scientific',
    'johnson',
    'intuitive',
    'cochlear',
    'oticon',
    'sonova',
    'novo',
    'nordisk',
    'sanofi',
    'lilly',
    'pfizer',
    'astrazeneca',
    'bayer',
    'novartis',
    'ge',
    // English months and weekdays (Swedish ones are lowercase)
    'january',
    'february',
    'march',
    'april',
    'may',
    'june',
    'july',
    'august',
    'september',
    'october',
    'november',
    'december',
    'monday',
    'tuesday',
    'wednesday',
    'thursday',
    'friday',
    'saturday',
    'sunday',
    // legal forms: a company name is not a product
    'ab',
    'publ',
    'ltd',
    'limited',
    'inc',
    'corp',
    'corporation',
    'llc',
    'plc',
    'gmbh',
    'ag',
    'kg',
    'co',
    'oy',
    'oyj',
    'asa',
    'as',
    'bv',
    'nv',
    'sa',
    'srl',
    'spa',
    'manufacturer',
    'tillverkare',
    // revision markers and the words of regulatory document titles ("MDCG 2023-2: List of Standard
    // Fees", "Rev 2", "… under the Regulation")
    'rev',
    'revision',
    'version',
    'regulation',
    'regulations',
    'directive',
    'guidance',
    'guideline',
    'guidelines',
    'standard',
    'standards',
    'fees',
    'fee',
    'manual',
    'questions',
    'answers',
    'annex',
    'template',
    'factsheet',
    'implementing',
    'delegated',
    'commission',
    // English function words that headlines capitalise
    'the',
    'a',
    'an',
    'and',
    'or',
    'of',
    'for',
    'in',
    'on',
    'with',
    'by',
    'to',
    'new',
    'dr',
    'prof',
  ].map((w) => foldForMatching(w)),
);

/**
 * Legal forms that end a company name ("B. Braun Melsungen AG", "Abbott Diabetes Care Inc",
 * "Farma S.A."): the capitalised words right before one are a company, not a brand.
 */
const LEGAL_FORMS = new Set(
  [
    'ab',
    'publ',
    'as',
    'asa',
    'a/s',
    'aps',
    'ag',
    'kg',
    'gmbh',
    'inc',
    'incorporated',
    'ltd',
    'limited',
    'llc',
    'plc',
    'corp',
    'corporation',
    'co',
    'bv',
    'nv',
    'sa',
    'sas',
    'sarl',
    'sàrl',
    'srl',
    'spa',
    'oy',
    'oyj',
    'ulc',
    'lp',
    'llp',
    'pty',
  ].map((w) => foldForMatching(w)),
);

/** "S.A.", "B.V.", "Inc.", "GmbH" → a legal form. */
export function isLegalForm(word: string): boolean {
  return LEGAL_FORMS.has(foldForMatching(word).replace(/\./g, ''));
}

/** Suffixes that mark organisations and places ("Västra Götalandsregionen", "Skånes", …). */
const STOP_SUFFIXES = [
  'regionen',
  'landstinget',
  'kommun',
  'sjukhuset',
  'myndigheten',
  'verket',
  'institutet',
];

/** Words that mark a generation or variant when they follow a brand ("Libre 3 Plus"). */
const GENERATION_WORDS = new Set([
  'plus',
  'pro',
  'max',
  'mini',
  'lite',
  'ultra',
  'neo',
  'one',
  'go',
  'flex',
  'air',
  'duo',
  'nano',
  'x',
  's',
  'se',
  'xl',
  'xt',
]);

interface Token {
  /** The word without surrounding punctuation (and without a lowercase hyphen tail). */
  word: string;
  start: number;
  /** A sentence boundary precedes this token. */
  sentenceStart: boolean;
  /** Punctuation between the previous token and this one ends a phrase. */
  breakBefore: boolean;
  openParen: boolean;
  closeParen: boolean;
  /** The word had a hyphenated tail that was cut off: the phrase ends here. */
  hyphenTail: boolean;
  /** Swedish compound with a hyphen and a lowercase tail ("Optune-behandling"): marks a brand. */
  brandCompound: boolean;
  /** A short capitalised abbreviation with a full stop ("Rev.", "Dr.", "Fig."): never a brand. */
  abbreviation: boolean;
  /** Part of a company name after a label such as "Tillverkare:" or "Applicant:". */
  company: boolean;
}

/** Labels after which a source names a company, not a product. */
const COMPANY_LABELS = new Set([
  'tillverkare',
  'tillverkaren',
  'manufacturer',
  'applicant',
  'sponsor',
  'företag',
  'foretag',
  'produsent',
  'tilvirker',
  'leverandor',
  'leverandør',
  'innehavare',
  'company',
]);

const OPENERS = /^[(["'“”‘’«»„[{<]+/u;
const CLOSERS = /[)\]}"'“”’»>,.;:!?…]+$/u;
const DASHES = new Set(['-', '–', '—', '|', '•', '/', '·']);

function tokenise(text: string): Token[] {
  const tokens: Token[] = [];
  let sentenceStart = true;
  let breakNext = true;
  let inCompany = false;
  for (const match of text.matchAll(/\S+/gu)) {
    const raw = match[0];
    if (DASHES.has(raw)) {
      sentenceStart = true;
      breakNext = true;
      inCompany = false;
      continue;
    }
    const lead = OPENERS.exec(raw)?.[0] ?? '';
    const trail = CLOSERS.exec(raw.slice(lead.length))?.[0] ?? '';
    let word = raw.slice(lead.length, raw.length - trail.length);
    if (word === '') {
      if (/[.!?:;…]/u.test(raw)) sentenceStart = true;
      breakNext = true;
      continue;
    }
    let hyphenTail = false;
    let brandCompound = false;
    if (!STOP_WORDS.has(foldForMatching(word))) {
      // "Optune-behandling", "G7-sensorn": a brand (or model) with a Swedish lowercase tail.
      const lower = /^([^-]+)-(\p{Ll}[\p{Ll}-]*)$/u.exec(word);
      // "Realtids-CGM", "HTA-rapport"-like words with an acronym tail: the head is an ordinary word.
      const acronym = /^([^-]+)-(\p{Lu}[\p{Lu}\d]*)$/u.exec(word);
      if (lower?.[1] !== undefined) {
        word = lower[1];
        hyphenTail = true;
        brandCompound = true;
      } else if (acronym?.[1] !== undefined && acronym[2] !== undefined && isStop(acronym[2])) {
        word = acronym[1];
        hyphenTail = true;
      }
    }
    tokens.push({
      word,
      start: (match.index ?? 0) + lead.length,
      sentenceStart,
      breakBefore: breakNext || lead !== '',
      openParen: lead.includes('('),
      closeParen: trail.includes(')'),
      hyphenTail,
      brandCompound,
      abbreviation: trail.startsWith('.') && /^\p{Lu}\p{Ll}{1,2}$/u.test(word),
      company: inCompany,
    });
    // An initial ("B. Braun") does not end a sentence.
    const initial = /^\p{Lu}$/u.test(word) && trail === '.';
    const ends = /[.!?:;…]/u.test(trail) && !initial;
    if (trail.includes(':') && COMPANY_LABELS.has(foldForMatching(word))) inCompany = true;
    else if (ends) inCompany = false;
    sentenceStart = ends;
    breakNext = trail !== '' || hyphenTail;
  }
  return tokens;
}

const hasLetter = (w: string): boolean => /\p{L}/u.test(w);
const isCamel = (w: string): boolean => /\p{Ll}\p{Lu}/u.test(w) || /\p{Lu}\p{Ll}+-\p{Lu}\p{Ll}/u.test(w);
const isCapitalised = (w: string): boolean => /^\p{Lu}/u.test(w) && /\p{Ll}/u.test(w);
const isAllCaps = (w: string): boolean => /\p{Lu}.*\p{Lu}/u.test(w) && !/\p{Ll}/u.test(w);

function isStop(word: string): boolean {
  const f = foldForMatching(word);
  if (STOP_WORDS.has(f) || isLegalForm(word)) return true;
  // Genitive: "Skånes", "Sveriges", "Abbott's", "TLV:s".
  const base = f.replace(/[:'’]s$/u, '').replace(/s$/u, '');
  if (base !== f && STOP_WORDS.has(base)) return true;
  if (f.startsWith('region') || f.startsWith('landsting')) return true;
  return STOP_SUFFIXES.some((suffix) => f.length > suffix.length && f.endsWith(suffix));
}

function isModel(word: string): boolean {
  if (/^\d{1,4}$/.test(word)) return !/^(?:19|20)\d\d$/.test(word);
  if (/^\p{L}{1,3}\d{1,4}\p{L}{0,3}$/u.test(word) || /^\d{1,4}\p{L}{1,3}$/u.test(word)) return true;
  return /^\p{Lu}/u.test(word) && GENERATION_WORDS.has(foldForMatching(word));
}

/** Can this token continue a brand phrase that has started? */
function continues(word: string): boolean {
  if (isStop(word)) return false;
  return isModel(word) || isCamel(word) || isCapitalised(word) || (isAllCaps(word) && hasLetter(word));
}

/** Can this token start a brand phrase? */
function starts(word: string, next: string | undefined): boolean {
  if (isStop(word) || !hasLetter(word) || word.length < 2) return false;
  if (isCamel(word) || isCapitalised(word)) return true;
  // An all-caps word is an acronym unless a model token follows ("ENDURANT II").
  return isAllCaps(word) && next !== undefined && isModel(next) && !isStop(next);
}

/** English Title Case headline: most longer words capitalised. */
function isTitleCase(tokens: Token[]): boolean {
  // Only ordinary-looking words count: not sentence openers, places/organisations, CamelCase
  // brands or words right before a model token ("Dexcom" in "Dexcom G7").
  const long = tokens.filter(
    (t, i) =>
      !t.sentenceStart &&
      t.word.length >= 4 &&
      /^\p{L}/u.test(t.word) &&
      !isStop(t.word) &&
      !isCamel(t.word) &&
      // A model token ("Q105") is no ordinary word, capitalised or not.
      !isModel(t.word) &&
      !isModel(tokens[i + 1]?.word ?? ''),
  );
  if (long.length < 2) return false;
  const caps = long.filter((t) => /^\p{Lu}/u.test(t.word)).length;
  return caps / long.length >= 0.75;
}

/** Words only English uses, and words only the Scandinavian languages use. */
const ENGLISH_WORDS = new Set(
  'the of and with to by from regarding between is are was were this that an a in on its their which'.split(
    ' ',
  ),
);
const NORDIC_WORDS = new Set(
  'och för vid av hos på att till från är ett inte samt mellan efter med som og ved til fra ikke etter'.split(
    ' ',
  ),
);

/**
 * English prose capitalises more than Swedish does (headings, document names, "Questions &
 * Answers"), so a lone capitalised word is weak evidence of a brand there.
 */
function looksEnglish(tokens: Token[]): boolean {
  let english = 0;
  let nordic = 0;
  for (const t of tokens) {
    const w = t.word.toLowerCase();
    if (ENGLISH_WORDS.has(w)) english++;
    else if (NORDIC_WORDS.has(w)) nordic++;
  }
  return english > nordic;
}

export interface MentionOptions {
  /**
   * The item's language, when the source states it. English text (stated or recognised) needs a
   * stronger sign of a brand than capitalisation: CamelCase, a model token or parentheses.
   */
  language?: 'sv' | 'en' | 'no';
}

interface Phrase {
  tokens: Token[];
  accepted: boolean;
  /** Rejected only because it begins a sentence; accepted later if its head is a known brand. */
  initialOnly: boolean;
}

function phrasesOf(tokens: Token[], strict: boolean): Phrase[] {
  const titleCase = strict || isTitleCase(tokens);
  const phrases: Phrase[] = [];
  let i = 0;
  while (i < tokens.length) {
    const first = tokens[i];
    if (first === undefined) break;
    if (first.abbreviation || first.company || !starts(first.word, tokens[i + 1]?.word)) {
      i++;
      continue;
    }
    let j = i + 1;
    if (!first.hyphenTail) {
      while (j < tokens.length && j - i < 6) {
        const t = tokens[j];
        if (t === undefined || t.breakBefore || t.abbreviation || t.company || !continues(t.word)) break;
        j++;
        if (t.hyphenTail || t.closeParen) break;
      }
    }
    // "Braun Melsungen AG", "Diabetes Care Inc", "Medtronic MiniMed, Inc.": a company name.
    const after = tokens[j];
    if (after !== undefined && isLegalForm(after.word)) {
      i = j + 1;
      continue;
    }
    let phrase = tokens.slice(i, j);
    // "Nya Dexcom G7": a plain capitalised sentence opener followed by another brand-like word
    // is an ordinary word; the brand starts at the second token.
    const second = phrase[1];
    if (
      first.sentenceStart &&
      second !== undefined &&
      !isCamel(first.word) &&
      !isModel(second.word) &&
      (isCamel(second.word) || isCapitalised(second.word))
    ) {
      phrase = phrase.slice(1);
    }
    const head = phrase[0];
    if (head === undefined) {
      i = j;
      continue;
    }
    const hasCamel = phrase.some((t) => isCamel(t.word));
    const modelAt = phrase.findIndex((t, k) => k > 0 && isModel(t.word));
    const last = phrase[phrase.length - 1];
    const inParens = head.openParen && last?.closeParen === true;
    const strong = hasCamel || modelAt > 0 || inParens || head.brandCompound;
    if (titleCase) {
      // Every word is capitalised, so the brand is what sits next to the strong token: from the
      // CamelCase word (or the word before the first model token) up to the last model token;
      // without a model token, the CamelCase word and one more.
      const camelAt = phrase.findIndex((t) => isCamel(t.word));
      const start = camelAt >= 0 ? camelAt : Math.max(0, modelAt - 1);
      if (modelAt > 0) {
        let end = phrase.length;
        while (end > 1 && !isModel(phrase[end - 1]?.word ?? '')) end--;
        phrase = phrase.slice(Math.min(start, end - 1), end);
      } else if (hasCamel) {
        phrase = phrase.slice(camelAt, camelAt + 2);
      }
      phrases.push({ tokens: phrase, accepted: strong, initialOnly: false });
    } else {
      const initial = head.sentenceStart;
      phrases.push({ tokens: phrase, accepted: strong || !initial, initialOnly: !strong && initial });
    }
    i = j;
  }
  return phrases;
}

function display(text: string, phrase: Token[]): string {
  const first = phrase[0];
  const last = phrase[phrase.length - 1];
  if (first === undefined || last === undefined) return '';
  return text.slice(first.start, last.start + last.word.length);
}

/**
 * Product names mentioned in a Swedish/English title or summary: brand tokens that are
 * capitalised mid-sentence, CamelCase (FreeStyle, MiniMed), in parentheses "(Optune)", followed
 * by model/generation tokens (3, 780G, G7, E3). In English text (see {@link MentionOptions}) a
 * capitalised word alone is not enough. Excludes organisations/places/acronyms (Region,
 * Västra Götaland, Skåne, Stockholm, SBU, TLV, HTA, EU, MDR, IVDR, NT-rådet, MTP-rådet, Sverige,
 * …) and sentence-initial ordinary words. Returns display strings, de-duplicated (by
 * {@link normaliseProductName}), in order of first appearance.
 */
export function extractProductMentions(text: string, options: MentionOptions = {}): string[] {
  // Line breaks and block elements end a sentence; keep them as a visible boundary.
  const clean = text
    .replace(/<\/?(?:p|div|br|li|h[1-6]|tr|td|th|dd|dt|section|article)\b[^>]*>/gi, '\n')
    .split(/[\r\n\u2028\u2029]+/u)
    .map((line) => normaliseText(line))
    .filter((line) => line !== '')
    .join(' | ');
  if (clean === '') return [];
  const tokens = tokenise(clean);
  const strict = options.language === 'en' || looksEnglish(tokens);
  const phrases = phrasesOf(tokens, strict);
  const brandHeads = new Set(
    phrases.filter((p) => p.accepted).map((p) => foldForMatching(p.tokens[0]?.word ?? '')),
  );
  const seen = new Set<string>();
  const out: string[] = [];
  for (const phrase of phrases) {
    const head = foldForMatching(phrase.tokens[0]?.word ?? '');
    if (!phrase.accepted && !(phrase.initialOnly && brandHeads.has(head))) continue;
    const shown = display(clean, phrase.tokens);
    const key = normaliseProductName(shown);
    if (key === '' || seen.has(key)) continue;
    seen.add(key);
    out.push(shown);
  }
  return out;
}
