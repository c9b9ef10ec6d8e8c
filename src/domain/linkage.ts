/**
 * In-memory record linkage of device registrations: which records describe the same device?
 *
 * Pure and deterministic (no I/O, no clock). The resolver works in four steps:
 *
 * 1. Normalise: UDI-DI to GTIN-14 (`normaliseUdiDi`), trade name (`normaliseProductName`),
 *    manufacturer (`normaliseManufacturer`, memoised: a registry repeats each company many times).
 * 2. Exact identifiers: records sharing a normalised UDI-DI are one device.
 * 3. Manufacturer aliases: two manufacturer names that share at least `aliasSupport` distinct
 *    UDI-DIs are one company under two names (a rename, an acquisition); they block and compare
 *    as one from then on.
 * 4. Sorted neighbourhood, three passes: records are sorted by (manufacturer, name), by
 *    (manufacturer, reversed name) and, for names with a model code, by (manufacturer, model
 *    code, name); each is compared with the `window - 1` records after it. The reversed pass
 *    finds names whose first characters carry a typo; the model-code pass finds typos anywhere
 *    in the words of a coded name. A pair matches when the model codes (tokens with digits) are
 *    equal and the letters of the names are within a small optimal-string-alignment distance
 *    (0 up to 3 letters, 1 up to 7, else 2).
 *
 * Matches are merged with a union-find that refuses to put two different valid UDI-DIs in one
 * cluster (different UDI-DIs are different devices by definition), so one fuzzy link can never
 * chain two registered devices together.
 *
 * `LinkageIndex` keeps the sorted keys, so new records are linked against an existing index by
 * binary search instead of a re-sort (`link`).
 */
import { normaliseUdiDi } from './identifiers.js';
import { normaliseManufacturer, normaliseProductName } from './normalise.js';

export interface LinkageRecord {
  udiDi?: string | undefined;
  tradeName: string;
  manufacturer?: string | undefined;
}

export interface LinkageOptions {
  /** Sorted-neighbourhood window: each record is compared with the `window - 1` after it. */
  window?: number;
  /** Distinct shared UDI-DIs needed before two manufacturer names are taken as one company. */
  aliasSupport?: number;
}

export interface LinkageStats {
  records: number;
  /** Candidate pairs evaluated by the similarity function (exact UDI-DI hits not included). */
  comparisons: number;
  /** Pairs accepted by the similarity function. */
  fuzzyMatches: number;
  /** Accepted pairs not merged because their clusters hold different UDI-DIs. */
  refusedByUdi: number;
  /** Records joined to an earlier record through an exact UDI-DI. */
  exactUdiLinks: number;
  /** Manufacturer names merged into another name. */
  manufacturerAliases: number;
}

const DEFAULT_WINDOW = 5;
const DEFAULT_ALIAS_SUPPORT = 2;
const KEY_SEPARATOR = '\u0001';
const PASSES = 3;

// Scratch rows for the edit distance, grown on demand (names are short).
let rowA = new Int32Array(64);
let rowB = new Int32Array(64);
let rowC = new Int32Array(64);

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions), capped. */
export function boundedEditDistance(a: string, b: string, max: number): number {
  if (a === b) return 0;
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > max) return max + 1;
  if (la === 0 || lb === 0) return Math.max(la, lb);
  if (rowA.length <= lb) {
    rowA = new Int32Array(lb * 2 + 1);
    rowB = new Int32Array(lb * 2 + 1);
    rowC = new Int32Array(lb * 2 + 1);
  }
  // Three rows of the DP matrix; `prev2` is needed for transpositions.
  let prev2 = rowA;
  let prev = rowB;
  let curr = rowC;
  for (let j = 0; j <= lb; j++) prev[j] = j;
  for (let i = 1; i <= la; i++) {
    curr[0] = i;
    let rowMin = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= lb; j++) {
      const cb = b.charCodeAt(j - 1);
      const cost = ca === cb ? 0 : 1;
      let v = Math.min(prev[j]! + 1, curr[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && ca === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === cb) {
        v = Math.min(v, prev2[j - 2]! + 1);
      }
      curr[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    const spare = prev2;
    prev2 = prev;
    prev = curr;
    curr = spare;
  }
  return Math.min(prev[lb]!, max + 1);
}

/** How many edits two names' letters may differ by and still be one product. */
export function allowedEdits(length: number): number {
  if (length < 4) return 0;
  if (length < 8) return 1;
  return 2;
}

/** Disjoint sets with union by size and path halving. */
class UnionFind {
  parent: Int32Array;
  size: Int32Array;

  constructor(capacity: number) {
    this.parent = new Int32Array(capacity);
    this.size = new Int32Array(capacity);
  }

  add(i: number): void {
    if (i >= this.parent.length) {
      const grown = Math.max(i + 1, Math.ceil(this.parent.length * 1.5) + 16);
      const parent = new Int32Array(grown);
      parent.set(this.parent);
      const size = new Int32Array(grown);
      size.set(this.size);
      this.parent = parent;
      this.size = size;
    }
    this.parent[i] = i;
    this.size[i] = 1;
  }

  find(i: number): number {
    const parent = this.parent;
    while (parent[i] !== i) {
      const grand = parent[parent[i]!]!;
      parent[i] = grand;
      i = grand;
    }
    return i;
  }
}

function reverse(s: string): string {
  let out = '';
  for (let i = s.length - 1; i >= 0; i--) out += s[i];
  return out;
}

/** Splits a normalised name into its model code (tokens with digits) and its letters. */
function splitName(name: string): { code: string; letters: string } {
  const code: string[] = [];
  const letters: string[] = [];
  for (const token of name.split(' ')) {
    if (token === '') continue;
    if (/\d/.test(token)) code.push(token);
    else letters.push(token);
  }
  code.sort();
  return { code: code.join(' '), letters: letters.join(' ') };
}

/**
 * A linkage index over device records. Record `i` of the input keeps index `i`; records added
 * by `link` continue the numbering.
 */
export class LinkageIndex {
  readonly stats: LinkageStats = {
    records: 0,
    comparisons: 0,
    fuzzyMatches: 0,
    refusedByUdi: 0,
    exactUdiLinks: 0,
    manufacturerAliases: 0,
  };

  private readonly window: number;
  private readonly aliasSupport: number;
  private readonly uf = new UnionFind(0);
  /** Normalised UDI-DI per record, and per cluster root the UDI-DI the cluster holds. */
  private udi: (string | undefined)[] = [];
  private rootUdi: (string | undefined)[] = [];
  private code: string[] = [];
  private letters: string[] = [];
  /** Manufacturer id per record (into `manufacturerNames`), before aliasing. */
  private manufacturer: number[] = [];
  private readonly manufacturerNames: string[] = [];
  private readonly manufacturerIds = new Map<string, number>();
  private readonly normalisedManufacturers = new Map<string, string>();
  private manufacturerParent: number[] = [];
  private readonly byUdi = new Map<string, number>();
  /** Sort keys of the two passes and the record order by each. */
  private readonly keys: string[][] = [[], [], []];
  private readonly order: Int32Array[] = [new Int32Array(0), new Int32Array(0), new Int32Array(0)];

  private constructor(options: LinkageOptions) {
    this.window = Math.max(2, options.window ?? DEFAULT_WINDOW);
    this.aliasSupport = Math.max(1, options.aliasSupport ?? DEFAULT_ALIAS_SUPPORT);
  }

  /** Resolves a batch of records from scratch. */
  static build(records: readonly LinkageRecord[], options: LinkageOptions = {}): LinkageIndex {
    const index = new LinkageIndex(options);
    const first = index.ingest(records);
    index.learnAliases();
    for (let pass = 0; pass < PASSES; pass++) {
      const keys = index.keys[pass]!;
      for (let i = first; i < index.stats.records; i++) keys.push(index.sortKey(i, pass));
      const order = index.sortedBatch(first, index.stats.records, pass);
      index.compareWindow(order);
      index.order[pass] = Int32Array.from(order);
    }
    return index;
  }

  /** Number of records in the index. */
  get size(): number {
    return this.stats.records;
  }

  /**
   * Links new records against the index and adds them to it. Returns the cluster of each new
   * record (the index of a representative record, stable until further merges).
   */
  link(records: readonly LinkageRecord[]): Int32Array {
    const first = this.ingest(records);
    const last = this.stats.records;
    for (let pass = 0; pass < PASSES; pass++) {
      const keys = this.keys[pass]!;
      for (let i = first; i < last; i++) keys.push(this.sortKey(i, pass));
      const batch = this.sortedBatch(first, last, pass);
      const existing = this.order[pass]!;
      // Neighbours in the existing order: the records either side of where each new key falls.
      const places = new Int32Array(batch.length);
      for (let j = 0; j < batch.length; j++) {
        const i = batch[j]!;
        const at = this.lowerBound(existing, keys[i]!, pass);
        places[j] = at;
        const from = Math.max(0, at - (this.window - 1));
        const to = Math.min(existing.length, at + (this.window - 1));
        for (let p = from; p < to; p++) this.consider(existing[p]!, i);
      }
      this.compareWindow(batch);
      this.order[pass] = this.merge(existing, batch, places, pass);
    }
    const out = new Int32Array(last - first);
    for (let i = first; i < last; i++) out[i - first] = this.uf.find(i);
    return out;
  }

  /** Cluster (representative record index) of every record in the index. */
  clusters(): Int32Array {
    const out = new Int32Array(this.stats.records);
    for (let i = 0; i < out.length; i++) out[i] = this.uf.find(i);
    return out;
  }

  clusterOf(record: number): number {
    return this.uf.find(record);
  }

  /** Normalises records, links exact UDI-DIs, and returns the index of the first new record. */
  private ingest(records: readonly LinkageRecord[]): number {
    const first = this.stats.records;
    for (let r = 0; r < records.length; r++) {
      const record = records[r]!;
      const i = first + r;
      this.uf.add(i);
      const udi =
        record.udiDi === undefined || record.udiDi === '' ? undefined : normaliseUdiDi(record.udiDi);
      this.udi[i] = udi;
      this.rootUdi[i] = udi;
      const { code, letters } = splitName(normaliseProductName(record.tradeName));
      this.code[i] = code;
      this.letters[i] = letters;
      this.manufacturer[i] = this.manufacturerId(record.manufacturer ?? '');
      if (udi !== undefined) {
        const seen = this.byUdi.get(udi);
        if (seen === undefined) this.byUdi.set(udi, i);
        else if (this.union(seen, i)) this.stats.exactUdiLinks++;
      }
    }
    this.stats.records = first + records.length;
    return first;
  }

  private manufacturerId(raw: string): number {
    let normalised = this.normalisedManufacturers.get(raw);
    if (normalised === undefined) {
      normalised = normaliseManufacturer(raw);
      this.normalisedManufacturers.set(raw, normalised);
    }
    let id = this.manufacturerIds.get(normalised);
    if (id === undefined) {
      id = this.manufacturerNames.length;
      this.manufacturerNames.push(normalised);
      this.manufacturerIds.set(normalised, id);
      this.manufacturerParent.push(id);
    }
    return id;
  }

  private canonicalManufacturer(id: number): number {
    const parent = this.manufacturerParent;
    while (parent[id] !== id) {
      parent[id] = parent[parent[id]!]!;
      id = parent[id]!;
    }
    return id;
  }

  /**
   * Manufacturer names that share enough distinct UDI-DIs are one company. Counted once per
   * UDI-DI and name pair, from the records grouped by exact UDI-DI.
   */
  private learnAliases(): void {
    const namesByUdi = new Map<string, number[]>();
    for (let i = 0; i < this.stats.records; i++) {
      const udi = this.udi[i];
      if (udi === undefined) continue;
      const m = this.manufacturer[i]!;
      const names = namesByUdi.get(udi);
      if (names === undefined) namesByUdi.set(udi, [m]);
      else if (!names.includes(m)) names.push(m);
    }
    const support = new Map<number, number>();
    const stride = this.manufacturerNames.length + 1;
    for (const names of namesByUdi.values()) {
      if (names.length < 2) continue;
      for (let x = 0; x < names.length; x++) {
        for (let y = x + 1; y < names.length; y++) {
          const a = Math.min(names[x]!, names[y]!);
          const b = Math.max(names[x]!, names[y]!);
          const key = a * stride + b;
          support.set(key, (support.get(key) ?? 0) + 1);
        }
      }
    }
    const pairs = [...support.entries()].filter(([, n]) => n >= this.aliasSupport).sort(([a], [b]) => a - b);
    for (const [key] of pairs) {
      const a = this.canonicalManufacturer(Math.floor(key / stride));
      const b = this.canonicalManufacturer(key % stride);
      if (a === b) continue;
      this.manufacturerParent[Math.max(a, b)] = Math.min(a, b);
      this.stats.manufacturerAliases++;
    }
  }

  private sortKey(i: number, pass: number): string {
    const m = this.canonicalManufacturer(this.manufacturer[i]!).toString(36).padStart(5, '0');
    const name = `${this.code[i]!}${KEY_SEPARATOR}${this.letters[i]!}`;
    if (pass === 0) return `${m}${KEY_SEPARATOR}${this.letters[i]!}${KEY_SEPARATOR}${this.code[i]!}`;
    if (pass === 1) return `${m}${KEY_SEPARATOR}${reverse(name)}`;
    return `${m}${KEY_SEPARATOR}${name}`;
  }

  private compareKeys(a: number, b: number, pass: number): number {
    const keys = this.keys[pass]!;
    const ka = keys[a]!;
    const kb = keys[b]!;
    return ka < kb ? -1 : ka > kb ? 1 : a - b;
  }

  /** The records a pass sorts: every record, except that the model-code pass needs a code. */
  private sortedBatch(first: number, last: number, pass: number): number[] {
    const order: number[] = [];
    for (let i = first; i < last; i++) if (pass < 2 || this.code[i] !== '') order.push(i);
    return order.sort((a, b) => this.compareKeys(a, b, pass));
  }

  private lowerBound(order: Int32Array, key: string, pass: number): number {
    const keys = this.keys[pass]!;
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[order[mid]!]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * The existing order with a sorted batch of new records merged in, as a stable merge by
   * (key, record index) would give. New records have the highest indices, so each goes after the
   * existing records with an equal key: its place is its lower bound (`places`, found for the
   * neighbour comparisons) moved past equal keys, and the existing order is copied in blocks
   * between those places. Comparing element by element instead walked the whole index on every
   * call (W3: most of `link` against a million records).
   */
  private merge(existing: Int32Array, batch: number[], places: Int32Array, pass: number): Int32Array {
    const keys = this.keys[pass]!;
    const out = new Int32Array(existing.length + batch.length);
    let copied = 0;
    let k = 0;
    for (let j = 0; j < batch.length; j++) {
      const b = batch[j]!;
      let at = Math.max(places[j]!, copied);
      while (at < existing.length && keys[existing[at]!] === keys[b]) at++;
      out.set(existing.subarray(copied, at), k);
      k += at - copied;
      copied = at;
      out[k++] = b;
    }
    out.set(existing.subarray(copied), k);
    return out;
  }

  private compareWindow(order: number[]): void {
    const w = this.window;
    for (let p = 0; p < order.length; p++) {
      const a = order[p]!;
      const end = Math.min(order.length, p + w);
      for (let q = p + 1; q < end; q++) this.consider(a, order[q]!);
    }
  }

  private consider(a: number, b: number): void {
    if (this.uf.find(a) === this.uf.find(b)) return;
    this.stats.comparisons++;
    if (!this.matches(a, b)) return;
    this.stats.fuzzyMatches++;
    if (!this.union(a, b)) this.stats.refusedByUdi++;
  }

  /** The similarity decision for one candidate pair. */
  private matches(a: number, b: number): boolean {
    const ua = this.udi[a];
    const ub = this.udi[b];
    if (ua !== undefined && ub !== undefined && ua !== ub) return false;
    if (this.code[a] !== this.code[b]) return false;
    const ma = this.manufacturer[a]!;
    const mb = this.manufacturer[b]!;
    if (ma !== mb && this.canonicalManufacturer(ma) !== this.canonicalManufacturer(mb)) return false;
    const la = this.letters[a]!;
    const lb = this.letters[b]!;
    const max = allowedEdits(Math.max(la.length, lb.length));
    return boundedEditDistance(la, lb, max) <= max;
  }

  /** Merges two clusters unless they hold different UDI-DIs; true when merged (or already one). */
  private union(a: number, b: number): boolean {
    let ra = this.uf.find(a);
    let rb = this.uf.find(b);
    if (ra === rb) return true;
    const ua = this.rootUdi[ra];
    const ub = this.rootUdi[rb];
    if (ua !== undefined && ub !== undefined && ua !== ub) return false;
    const size = this.uf.size;
    if (size[ra]! < size[rb]!) [ra, rb] = [rb, ra];
    this.uf.parent[rb] = ra;
    size[ra] = size[ra]! + size[rb]!;
    this.rootUdi[ra] = ua ?? ub;
    return true;
  }
}

/** Resolves a batch: the cluster of every record and what it took. */
export function resolveDuplicates(
  records: readonly LinkageRecord[],
  options: LinkageOptions = {},
): { clusters: Int32Array; stats: LinkageStats } {
  const index = LinkageIndex.build(records, options);
  return { clusters: index.clusters(), stats: { ...index.stats } };
}

export interface PairwiseQuality {
  precision: number;
  recall: number;
  truePositives: number;
  predictedPairs: number;
  truePairs: number;
}

/**
 * Pairwise precision and recall of a clustering against the truth: every pair of records put in
 * one cluster is a predicted link; every pair of records of one true entity is a true link.
 */
export function pairwiseQuality(predicted: ArrayLike<number>, truth: ArrayLike<number>): PairwiseQuality {
  if (predicted.length !== truth.length) throw new Error('pairwiseQuality: lengths differ');
  const pairs = (n: number): number => (n * (n - 1)) / 2;
  const cells = new Map<number, number>();
  const clusterSizes = new Map<number, number>();
  const entitySizes = new Map<number, number>();
  let stride = 1;
  for (let i = 0; i < truth.length; i++) stride = Math.max(stride, truth[i]! + 1);
  for (let i = 0; i < predicted.length; i++) {
    const p = predicted[i]!;
    const t = truth[i]!;
    const cell = p * stride + t;
    cells.set(cell, (cells.get(cell) ?? 0) + 1);
    clusterSizes.set(p, (clusterSizes.get(p) ?? 0) + 1);
    entitySizes.set(t, (entitySizes.get(t) ?? 0) + 1);
  }
  let truePositives = 0;
  for (const n of cells.values()) truePositives += pairs(n);
  let predictedPairs = 0;
  for (const n of clusterSizes.values()) predictedPairs += pairs(n);
  let truePairs = 0;
  for (const n of entitySizes.values()) truePairs += pairs(n);
  return {
    precision: predictedPairs === 0 ? 1 : truePositives / predictedPairs,
    recall: truePairs === 0 ? 1 : truePositives / truePairs,
    truePositives,
    predictedPairs,
    truePairs,
  };
}
