/**
 * The resolver's decisions for one page of items: which candidate each identity links to, which
 * candidates it shows to be one product (merge), which pairs a reviewer should see (possible
 * duplicates), which candidates are new, and which items wait. Pure: the store looks up what it
 * needs in a few set-based statements (src/store/resolution.ts), this decides, and the store
 * applies the decision in the same transaction.
 *
 * Links form connected components over the page's identities and the candidates they match:
 * - a shared identifier (UDI-DI, Basic UDI-DI, an item's own key) always links;
 * - a name links when its similarity reaches `thresholds.link` and the makers are compatible
 *   (src/domain/resolution.ts `makersCompatible`); a name that matches candidates of makers that
 *   conflict with each other is ambiguous and links to none of them (they are flagged instead);
 * - a reviewer's pin wins over both.
 * A component holding several candidates merges them into the one a reviewer has decided on, else
 * the oldest; candidates that both carry decisions, or that a reviewer separated, are flagged
 * instead. A component without a candidate makes one, unless none of its items may create one
 * (the councils' lists): then the items wait until a candidate with their key or name appears.
 */
import type { CandidateKind } from './candidate.js';
import { DRUG_KEY_SCHEMES } from './drugs.js';
import type { HistoryKind } from './history.js';
import { itemEvents, observedStatus } from './history.js';
import type { ItemIdentity } from './identity.js';
import { identitiesOf } from './identity.js';
import type { RawItem } from './item.js';
import type { LookupBlocks, NameBlocks, NameProfile, ResolutionSettings } from './resolution.js';
import {
  lookupBlocks,
  makersCompatible,
  makersConflict,
  nameBlocks,
  nameSimilarity,
  profileOf,
  similarity,
} from './resolution.js';

/** `scheme:value` of an identity key. */
export function keyString(key: { scheme: string; value: string }): string {
  return `${key.scheme}:${key.value}`;
}

/** Identifier schemes that link on their own; a product name is compared, never trusted alone. */
const HARD_SCHEMES = new Set<string>(['udi-di', 'basic-udi-di', 'item', ...DRUG_KEY_SCHEMES]);

export interface ResolverContext {
  settings: ResolutionSettings;
  /** Canonical manufacturer key (legal forms, diacritics, aliases). */
  manufacturerKey: (name: string) => string;
  /** Whether two canonical maker keys are related (config/manufacturers.yaml `related`). */
  relatedMakers: (a: string, b: string) => boolean;
}

export interface PageItem {
  id: number;
  sourceId: string;
  item: RawItem;
}

/** One identity of one item on the page. */
export interface PageEntry {
  /** Position on the page: items in id order, each item's identities in order. */
  index: number;
  itemId: number;
  sourceId: string;
  item: RawItem;
  identity: ItemIdentity;
  /** The key a link is remembered by (a reviewer's pin names it): the identity's first key. */
  identityKey: string;
  /** Identifiers that link on their own (`scheme:value`). */
  hardKeys: string[];
  profile: NameProfile | undefined;
  stored: NameBlocks;
  lookup: LookupBlocks;
  /** The councils' own lists mark products as handled; they never create a candidate. */
  mayCreate: boolean;
}

/** The page's identities with everything the lookups and the decision need. */
export function pageEntries(items: readonly PageItem[], ctx: ResolverContext): PageEntry[] {
  const entries: PageEntry[] = [];
  for (const stored of items) {
    for (const identity of identitiesOf(stored.sourceId, stored.item)) {
      const profile = profileOf(identity, ctx.manufacturerKey);
      entries.push({
        index: entries.length,
        itemId: stored.id,
        sourceId: stored.sourceId,
        item: stored.item,
        identity,
        identityKey: keyString(identity.keys[0]!),
        hardKeys: identity.keys.filter((key) => HARD_SCHEMES.has(key.scheme)).map(keyString),
        profile,
        stored: profile === undefined ? {} : nameBlocks(profile, ctx.settings),
        lookup:
          profile === undefined
            ? { heads: [], tails: [], concepts: [] }
            : lookupBlocks(profile, ctx.settings),
        mayCreate: stored.item.kind !== 'council-decision' && identity.mayCreate !== false,
      });
    }
  }
  return entries;
}

/**
 * Every advisory lock the page needs, in one global order: its identifiers, the blocks it looks
 * names up in and the blocks it files its names under. Two pages whose names could match share a
 * block, so the second waits for the first and sees its candidate — also when only one of them
 * looks there: a registry name opening with its maker is filed under the maker's brand block
 * without looking there, and a text naming the brand alone ("(Inspire)") looks there.
 */
export function pageLocks(entries: readonly PageEntry[]): string[] {
  const locks = new Set<string>();
  for (const entry of entries) {
    for (const key of entry.hardKeys) locks.add(`k ${key}`);
    for (const head of entry.lookup.heads) locks.add(`h ${head}`);
    for (const tail of entry.lookup.tails) locks.add(`t ${tail}`);
    for (const concept of entry.lookup.concepts) locks.add(`c ${concept}`);
    if (entry.stored.head !== undefined) locks.add(`h ${entry.stored.head}`);
    if (entry.stored.tail !== undefined) locks.add(`t ${entry.stored.tail}`);
    for (const concept of entry.stored.concepts ?? []) locks.add(`c ${concept}`);
  }
  return [...locks].sort();
}

/** A name a candidate is known by, as stored. */
export interface KnownName extends NameProfile {
  candidateId: string;
}

export interface KnownCandidate {
  id: string;
  /** ISO time; the oldest candidate survives an automatic merge. */
  createdAt: string;
  /** A reviewer has decided on it (nominated, dismissed, watched …). */
  hasDecisions: boolean;
}

/** An item waiting for a candidate (a council's list entry), by its keys and its name. */
export interface WaitingItem {
  itemId: number;
  keys: string[];
  profile?: NameProfile;
  reason: string;
}

/** What the store found for the page, under the page's locks. */
export interface PageLookup {
  /** Identifier (`scheme:value`) → the candidate holding it. */
  owners: ReadonlyMap<string, string>;
  /** Names found in the page's blocks, by block (`h`/`t`/`c` + block); full blocks left out. */
  namesByBlock: ReadonlyMap<string, readonly KnownName[]>;
  candidates: ReadonlyMap<string, KnownCandidate>;
  /** `${itemId} ${identityKey}` (or `${itemId} *`) → the candidate a reviewer pinned it to. */
  pins: ReadonlyMap<string, string>;
  /** `${a} ${b}` with a < b: candidates a reviewer said are different products. */
  separated: ReadonlySet<string>;
  waiting: readonly WaitingItem[];
}

/** An existing candidate's id, or `new:N` for the N-th candidate this page creates. */
export type CandidateRef = string;

export interface PageDecision {
  creates: Array<{ ref: CandidateRef; kind: CandidateKind; name: string; entry: number }>;
  merges: Array<{ survivor: string; absorbed: string; reason: string }>;
  links: Array<{ entry: number; candidate: CandidateRef; reason: string; confidence: number }>;
  /** Entries that wait: no candidate yet, and they may not make one. */
  deferrals: number[];
  /** Waiting items that this page's candidates pick up. */
  adoptions: Array<{ item: WaitingItem; candidate: CandidateRef; reason: string; confidence: number }>;
  keys: Array<{ candidate: CandidateRef; key: string }>;
  names: Array<{ candidate: CandidateRef; profile: NameProfile; blocks: NameBlocks }>;
  flags: Array<{ a: CandidateRef; b: CandidateRef; score: number; reason: string }>;
  /** Candidate pairs compared by name: the work blocking leaves. */
  comparisons: number;
}

interface Match {
  score: number;
  reason: string;
  matchedName: string;
  weakMaker?: true;
  groupMaker?: true;
  brandOnly?: true;
}

class Components {
  private readonly parent = new Map<string, string>();

  find(x: string): string {
    let root = this.parent.get(x) ?? x;
    if (root === x) return x;
    root = this.find(root);
    this.parent.set(x, root);
    return root;
  }

  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    // The smaller id becomes the root, so the result does not depend on the order of unions.
    if (ra !== rb) {
      if (ra < rb) this.parent.set(rb, ra);
      else this.parent.set(ra, rb);
    }
  }
}

const entryNode = (index: number): string => `e${String(index).padStart(6, '0')}`;
const candidateNode = (id: string): string => `c${id}`;

function pairKey(a: string, b: string): string {
  return a < b ? `${a} ${b}` : `${b} ${a}`;
}

function sameFacts(a: NameProfile, b: NameProfile): boolean {
  return (
    a.name === b.name &&
    a.manufacturer === b.manufacturer &&
    a.kind === b.kind &&
    a.srn === b.srn &&
    a.basicUdiDi === b.basicUdiDi
  );
}

/** The names of the page's blocks an entry is compared with (each name once). */
function namesNear(entry: PageEntry, lookup: PageLookup): KnownName[] {
  const seen = new Set<KnownName>();
  const add = (prefix: string, blocks: readonly string[]): void => {
    for (const block of blocks) {
      for (const name of lookup.namesByBlock.get(prefix + block) ?? []) seen.add(name);
    }
  };
  add('h', entry.lookup.heads);
  add('t', entry.lookup.tails);
  add('c', entry.lookup.concepts);
  return [...seen];
}

/** Whether two entries share a lookup block, so that they are compared with each other. */
function blockKeysOf(entry: PageEntry): string[] {
  return [
    ...entry.lookup.heads.map((b) => `h${b}`),
    ...entry.lookup.tails.map((b) => `t${b}`),
    ...entry.lookup.concepts.map((b) => `c${b}`),
  ];
}

function storedBlockKeys(blocks: NameBlocks): string[] {
  return [
    ...(blocks.head === undefined ? [] : [`h${blocks.head}`]),
    ...(blocks.tail === undefined ? [] : [`t${blocks.tail}`]),
    ...(blocks.concepts ?? []).map((b) => `c${b}`),
  ];
}

function describe(match: Match): string {
  return `liknar ”${match.matchedName}” (${match.reason}, likhet ${match.score.toFixed(2)})`;
}

/**
 * Decides the page. Deterministic for a given page and lookup: entries are visited in page order
 * and every tie is broken by id.
 */
export function decidePage(
  entries: readonly PageEntry[],
  lookup: PageLookup,
  ctx: ResolverContext,
): PageDecision {
  const { settings } = ctx;
  const { link, possibleDuplicate } = settings.thresholds;
  const decision: PageDecision = {
    creates: [],
    merges: [],
    links: [],
    deferrals: [],
    adoptions: [],
    keys: [],
    names: [],
    flags: [],
    comparisons: 0,
  };
  const components = new Components();
  /** Entry → candidates it matches by name well enough to link (before ambiguity is settled). */
  const nameLinks = new Map<number, Map<string, Match>>();
  /** Possible duplicates: entry → other candidate or entry node, best score. */
  const possibles: Array<{ entry: number; other: string; score: number; reason: string }> = [];
  const hardLinked = new Set<number>();
  const pinned = new Map<number, string>();
  const namesOfCandidate = new Map<string, KnownName[]>();
  for (const names of lookup.namesByBlock.values()) {
    for (const name of names) {
      const list = namesOfCandidate.get(name.candidateId) ?? [];
      if (!list.includes(name)) list.push(name);
      namesOfCandidate.set(name.candidateId, list);
    }
  }

  // 1. Each entry against what is stored: pins, identifiers, similar names.
  for (const entry of entries) {
    const pin =
      lookup.pins.get(`${entry.itemId} ${entry.identityKey}`) ?? lookup.pins.get(`${entry.itemId} *`);
    if (pin !== undefined) {
      pinned.set(entry.index, pin);
      continue;
    }
    for (const key of entry.hardKeys) {
      const owner = lookup.owners.get(key);
      if (owner === undefined) continue;
      components.union(entryNode(entry.index), candidateNode(owner));
      hardLinked.add(entry.index);
    }
    if (entry.profile === undefined) continue;
    const best = new Map<string, Match>();
    for (const name of namesNear(entry, lookup)) {
      decision.comparisons++;
      const result = similarity(entry.profile, name, settings);
      let score = result.score;
      let reason = result.reason;
      if (
        score === 0 &&
        entry.profile.kind !== 'method' &&
        ctx.relatedMakers(entry.profile.manufacturer, name.manufacturer)
      ) {
        // Related makers (a spin-off, a parent) never merge by name, but a reviewer should see it.
        const names = nameSimilarity(entry.profile, name, settings);
        if (names.score >= link) {
          score = Math.min(0.8, names.score);
          reason = `${names.reason}; närstående tillverkare`;
        }
      }
      const previous = best.get(name.candidateId);
      if (previous === undefined || score > previous.score) {
        best.set(name.candidateId, {
          score,
          reason,
          matchedName: name.name,
          ...(result.weakMaker === true && score === result.score ? { weakMaker: true as const } : {}),
          ...(result.groupMaker === true && score === result.score ? { groupMaker: true as const } : {}),
          ...(result.brandOnly === true && score === result.score ? { brandOnly: true as const } : {}),
        });
      }
    }
    // A name the item's own maker uses wins over the same name another company uses, and over
    // the name under a maker that only shares its first word ("Inspire Surgical" is not
    // "Inspire Medical Systems" because both are called Inspire).
    const linkable = [...best.values()].filter((m) => m.score >= link);
    const ownMaker = linkable.some((m) => m.weakMaker !== true);
    const exactMaker = linkable.some((m) => m.weakMaker !== true && m.groupMaker !== true);
    const profile = entry.profile;
    const linking = new Map<string, Match>();
    for (const [candidateId, match] of best) {
      if (ownMaker && match.weakMaker === true) continue;
      if (exactMaker && match.groupMaker === true) continue;
      // A candidate that holds another maker's registration of the name is that maker's product.
      if (
        match.score >= link &&
        (namesOfCandidate.get(candidateId) ?? []).some((name) => makersConflict(profile, name, settings))
      ) {
        continue;
      }
      // A maker's name alone joins a candidate only while the candidate is no other of its
      // products: one already holding a product name this one does not link to stays apart.
      if (
        match.brandOnly === true &&
        (namesOfCandidate.get(candidateId) ?? []).some(
          (name) => name.name !== match.matchedName && similarity(profile, name, settings).score < link,
        )
      ) {
        possibles.push({
          entry: entry.index,
          other: candidateNode(candidateId),
          score: Math.min(match.score, 0.85),
          reason: `${match.reason}; kandidaten är redan en annan produkt`,
        });
        continue;
      }
      if (match.score >= link) linking.set(candidateId, match);
      else if (match.score >= possibleDuplicate) {
        possibles.push({
          entry: entry.index,
          other: candidateNode(candidateId),
          score: match.score,
          reason: match.reason,
        });
      }
    }
    if (linking.size > 0) nameLinks.set(entry.index, linking);
  }

  // 2. Entries of the page against each other: shared identifiers, similar names in a shared block.
  const byKey = new Map<string, number[]>();
  const byBlock = new Map<string, number[]>();
  for (const entry of entries) {
    if (pinned.has(entry.index)) continue;
    for (const key of entry.hardKeys) byKey.set(key, [...(byKey.get(key) ?? []), entry.index]);
    if (entry.profile === undefined) continue;
    for (const block of storedBlockKeys(entry.stored)) {
      byBlock.set(block, [...(byBlock.get(block) ?? []), entry.index]);
    }
  }
  for (const indexes of byKey.values()) {
    for (const index of indexes.slice(1)) {
      components.union(entryNode(indexes[0]!), entryNode(index));
      hardLinked.add(index);
      hardLinked.add(indexes[0]!);
    }
  }
  const pageNameLinks = new Map<number, Map<number, Match>>();
  const compared = new Set<string>();
  for (const entry of entries) {
    if (pinned.has(entry.index) || entry.profile === undefined) continue;
    for (const block of blockKeysOf(entry)) {
      for (const other of byBlock.get(block) ?? []) {
        if (other === entry.index) continue;
        const pair = entry.index < other ? `${entry.index} ${other}` : `${other} ${entry.index}`;
        if (compared.has(pair)) continue;
        compared.add(pair);
        const otherEntry = entries[other]!;
        decision.comparisons++;
        const result = similarity(entry.profile, otherEntry.profile!, settings);
        const match = { ...result, matchedName: otherEntry.profile!.name };
        if (result.score >= link) {
          const [low, high] = entry.index < other ? [entry.index, other] : [other, entry.index];
          const links = pageNameLinks.get(low) ?? new Map<number, Match>();
          links.set(high, match);
          pageNameLinks.set(low, links);
        } else if (result.score >= possibleDuplicate) {
          possibles.push({
            entry: entry.index,
            other: entryNode(other),
            score: result.score,
            reason: result.reason,
          });
        }
      }
    }
  }

  // 3. A name that matches candidates or page entries of conflicting makers is ambiguous: it
  // links to none of them. Each entry's targets are settled on their own; a link between two
  // entries of the page holds only when both keep it, so no third entry joins what conflicts.
  const namesOfNode = (node: string): NameProfile[] =>
    node.startsWith('c')
      ? (namesOfCandidate.get(node.slice(1)) ?? [])
      : [entries[Number(node.slice(1))]!.profile!];
  const compatibleNodes = (a: string, b: string): boolean => {
    const left = namesOfNode(a);
    const right = namesOfNode(b);
    if (left.length === 0 || right.length === 0) return true;
    return left.some((x) => right.some((y) => makersCompatible(x, y, settings).compatible));
  };
  const targetsOf = new Map<number, Map<string, Match>>();
  const addTarget = (index: number, node: string, match: Match): void => {
    const targets = targetsOf.get(index) ?? new Map<string, Match>();
    targets.set(node, match);
    targetsOf.set(index, targets);
  };
  for (const [index, linking] of nameLinks) {
    for (const [candidateId, match] of linking) addTarget(index, candidateNode(candidateId), match);
  }
  for (const [low, links] of pageNameLinks) {
    for (const [high, match] of links) {
      addTarget(low, entryNode(high), match);
      addTarget(high, entryNode(low), match);
    }
  }
  const kept = new Map<number, Map<string, Match>>();
  for (const index of [...targetsOf.keys()].sort((a, b) => a - b)) {
    const all = targetsOf.get(index)!;
    // As with stored candidates (step 1): the own maker's name wins over a group's or a notice's.
    const exact = [...all.values()].some((m) => m.weakMaker !== true && m.groupMaker !== true);
    const own = [...all.values()].some((m) => m.weakMaker !== true);
    const targets = new Map(
      [...all].filter(([, m]) => !(exact && m.groupMaker === true) && !(own && m.weakMaker === true)),
    );
    const nodes = [...targets.keys()].sort();
    // A maker's name alone names one product only while it matches one. An entry of the page that
    // itself matches one of the other targets is that target, not a second product: which of the
    // two was stored first must not decide it.
    const brandTargets = [...targets].filter(([, m]) => m.brandOnly === true).map(([node]) => node);
    const brands = brandTargets.filter(
      (node) =>
        !(
          node.startsWith('e') &&
          brandTargets.some((other) => other !== node && targetsOf.get(Number(node.slice(1)))?.has(other))
        ),
    ).length;
    const conflict =
      brands > 1 || nodes.some((a, i) => nodes.slice(i + 1).some((b) => !compatibleNodes(a, b)));
    if (conflict && !hardLinked.has(index)) {
      for (const [node, match] of targets) {
        possibles.push({
          entry: index,
          other: node,
          score: Math.min(match.score, 0.85),
          reason: `${match.reason}; samma namn används av flera tillverkare`,
        });
      }
      continue;
    }
    kept.set(index, targets);
  }
  const nameMatchOf = new Map<number, Match>();
  const noteMatch = (index: number, match: Match): void => {
    const previous = nameMatchOf.get(index);
    if (previous === undefined || match.score > previous.score) nameMatchOf.set(index, match);
  };
  for (const [index, targets] of kept) {
    for (const node of [...targets.keys()].sort()) {
      const match = targets.get(node)!;
      if (node.startsWith('e') && kept.get(Number(node.slice(1)))?.has(entryNode(index)) !== true) continue;
      components.union(entryNode(index), node);
      noteMatch(index, match);
    }
  }

  // 4. Components: merge what they hold, or make a candidate, or wait.
  const members = new Map<string, { entries: number[]; candidates: string[] }>();
  const memberOf = (root: string): { entries: number[]; candidates: string[] } => {
    let found = members.get(root);
    if (found === undefined) {
      found = { entries: [], candidates: [] };
      members.set(root, found);
    }
    return found;
  };
  for (const entry of entries) {
    if (pinned.has(entry.index)) continue;
    memberOf(components.find(entryNode(entry.index))).entries.push(entry.index);
  }
  const candidateIds = new Set<string>();
  for (const entry of entries) {
    for (const key of entry.hardKeys) {
      const owner = lookup.owners.get(key);
      if (owner !== undefined && !pinned.has(entry.index)) candidateIds.add(owner);
    }
  }
  for (const linking of nameLinks.values()) for (const id of linking.keys()) candidateIds.add(id);
  for (const id of [...candidateIds].sort()) {
    const root = components.find(candidateNode(id));
    if (members.has(root)) memberOf(root).candidates.push(id);
  }

  const targetOfEntry = new Map<number, CandidateRef>(pinned);
  const mergedInto = new Map<string, string>();
  const roots = [...members.keys()].sort();
  for (const root of roots) {
    const group = members.get(root)!;
    if (group.candidates.length > 0) {
      const known = group.candidates
        .map((id) => lookup.candidates.get(id))
        .filter((c): c is KnownCandidate => c !== undefined)
        .sort(
          (x, y) =>
            Number(y.hasDecisions) - Number(x.hasDecisions) ||
            (x.createdAt < y.createdAt ? -1 : x.createdAt > y.createdAt ? 1 : 0) ||
            (x.id < y.id ? -1 : 1),
        );
      const survivor = known[0]!;
      for (const other of known.slice(1)) {
        const blocked =
          (other.hasDecisions && survivor.hasDecisions) ||
          lookup.separated.has(pairKey(survivor.id, other.id));
        if (blocked) {
          decision.flags.push({
            a: survivor.id,
            b: other.id,
            score: 1,
            reason: 'samma identifierare eller namn, men kan inte slås ihop automatiskt',
          });
          continue;
        }
        const first = entries[group.entries[0]!]!;
        decision.merges.push({
          survivor: survivor.id,
          absorbed: other.id,
          reason: `${first.identity.displayName}: samma produkt enligt ${first.identity.reason}`,
        });
        mergedInto.set(other.id, survivor.id);
      }
      for (const index of group.entries) targetOfEntry.set(index, survivor.id);
      continue;
    }
    const creators = group.entries.filter((index) => entries[index]!.mayCreate);
    if (creators.length === 0) {
      decision.deferrals.push(...group.entries);
      continue;
    }
    // The least name, so the candidate's name does not depend on which item came first.
    const named = creators
      .map((index) => entries[index]!)
      .sort((x, y) =>
        x.identity.displayName < y.identity.displayName
          ? -1
          : x.identity.displayName > y.identity.displayName
            ? 1
            : x.index - y.index,
      )[0]!;
    const ref = `new:${decision.creates.length}`;
    decision.creates.push({
      ref,
      kind: named.identity.candidateKind,
      name: named.identity.displayName,
      entry: Math.min(...creators),
    });
    for (const index of group.entries) targetOfEntry.set(index, ref);
  }
  const live = (ref: CandidateRef): CandidateRef => mergedInto.get(ref) ?? ref;

  // 5. Links, with the identifiers and names they bring.
  const creatorOf = new Map(decision.creates.map((c) => [c.ref, c.entry]));
  const knownNames = new Map<string, NameProfile[]>();
  for (const [id, names] of namesOfCandidate) {
    knownNames.set(live(id), [...(knownNames.get(live(id)) ?? []), ...names]);
  }
  const ownedKeys = new Set<string>();
  for (const [key, owner] of lookup.owners) ownedKeys.add(`${live(owner)} ${key}`);
  for (const entry of entries) {
    const target = targetOfEntry.get(entry.index);
    if (target === undefined) continue;
    const nameMatch = nameMatchOf.get(entry.index);
    let reason = entry.identity.reason;
    let confidence = 1;
    if (pinned.has(entry.index)) reason = `${reason}; placerad av granskare`;
    else if (
      !hardLinked.has(entry.index) &&
      nameMatch !== undefined &&
      creatorOf.get(target) !== entry.index
    ) {
      reason = `${reason}; ${describe(nameMatch)}`;
      confidence = nameMatch.score;
    }
    decision.links.push({ entry: entry.index, candidate: target, reason, confidence });
    for (const key of entry.hardKeys) {
      if (ownedKeys.has(`${target} ${key}`)) continue;
      // A key another candidate holds stays there (a pinned item may carry it).
      const owner = lookup.owners.get(key);
      if (owner !== undefined && live(owner) !== target) continue;
      ownedKeys.add(`${target} ${key}`);
      decision.keys.push({ candidate: target, key });
    }
    if (entry.profile !== undefined) {
      const profile = entry.profile;
      const names = knownNames.get(target) ?? [];
      if (!names.some((name) => sameFacts(name, profile))) {
        names.push(profile);
        knownNames.set(target, names);
        decision.names.push({ candidate: target, profile, blocks: entry.stored });
      }
    }
  }

  // 6. Possible duplicates between the candidates the entries ended on.
  const flagged = new Map<string, { a: string; b: string; score: number; reason: string }>();
  const addFlag = (a: CandidateRef, b: CandidateRef, score: number, reason: string): void => {
    if (a === b) return;
    const key = pairKey(a, b);
    const previous = flagged.get(key);
    if (previous === undefined || score > previous.score) flagged.set(key, { a, b, score, reason });
  };
  for (const flag of decision.flags) addFlag(flag.a, flag.b, flag.score, flag.reason);
  for (const possible of possibles) {
    const from = targetOfEntry.get(possible.entry);
    if (from === undefined) continue;
    const other = possible.other.startsWith('e')
      ? targetOfEntry.get(Number(possible.other.slice(1)))
      : live(possible.other.slice(1));
    if (other === undefined || other === from) continue;
    addFlag(live(from), other, possible.score, possible.reason);
  }
  decision.flags = [...flagged.keys()].sort().map((key) => flagged.get(key)!);

  // 7. Items waiting for a candidate with one of these identifiers or names attach now.
  const entryOfKey = new Map<string, number>();
  for (const entry of entries) {
    if (!targetOfEntry.has(entry.index)) continue;
    for (const key of entry.hardKeys) if (!entryOfKey.has(key)) entryOfKey.set(key, entry.index);
  }
  for (const waiting of lookup.waiting) {
    let adoption: PageDecision['adoptions'][number] | undefined;
    for (const key of waiting.keys) {
      const index = entryOfKey.get(key);
      if (index === undefined) continue;
      adoption = {
        item: waiting,
        candidate: targetOfEntry.get(index)!,
        reason: waiting.reason,
        confidence: 1,
      };
      break;
    }
    if (adoption === undefined && waiting.profile !== undefined) {
      let best: { index: number; score: number; reason: string } | undefined;
      for (const entry of entries) {
        if (entry.profile === undefined || !targetOfEntry.has(entry.index)) continue;
        decision.comparisons++;
        const result = similarity(waiting.profile, entry.profile, settings);
        if (result.score >= link && (best === undefined || result.score > best.score)) {
          best = { index: entry.index, score: result.score, reason: result.reason };
        }
      }
      if (best !== undefined) {
        const matched = entries[best.index]!.profile!.name;
        adoption = {
          item: waiting,
          candidate: targetOfEntry.get(best.index)!,
          reason: `${waiting.reason}; ${describe({ score: best.score, reason: best.reason, matchedName: matched })}`,
          confidence: best.score,
        };
      }
    }
    if (adoption !== undefined) decision.adoptions.push(adoption);
  }
  return decision;
}

/** What the store knows about an item's link before this page. */
export interface LinkBefore {
  /** The item was already linked to the candidate. */
  linked: boolean;
  /** The status observed when it was linked (a market or trial status). */
  observedStatus?: string;
  /** The candidate already has evidence from the item's source. */
  sourceKnown: boolean;
}

export interface HistoryEvent {
  key: string;
  candidateId: string;
  kind: HistoryKind;
  itemId: number;
  sourceId: string;
  occurredOn?: string;
  details: Record<string, unknown>;
}

function dayOf(date: string | undefined): { occurredOn?: string } {
  return date === undefined ? {} : { occurredOn: date.slice(0, 10) };
}

/**
 * The history events a link gives its candidate: first seen (a candidate this link created), a
 * new source, and what the item itself tells (a certificate, an HTA report, a status change).
 * Each has a natural key, so a re-run records it once.
 */
export function linkHistory(
  candidateId: string,
  stored: PageItem,
  before: LinkBefore,
  created: boolean,
): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  const base = { candidateId, itemId: stored.id, sourceId: stored.sourceId };
  const details = { title: stored.item.title, url: stored.item.url };
  if (created) {
    events.push({
      ...base,
      key: `first-seen:${candidateId}`,
      kind: 'first-seen',
      details,
      ...dayOf(stored.item.publishedAt),
    });
  } else if (!before.linked && !before.sourceKnown) {
    events.push({
      ...base,
      key: `new-source:${candidateId}:${stored.sourceId}`,
      kind: 'new-source',
      details,
      ...dayOf(stored.item.publishedAt),
    });
  }
  const previous = before.linked ? before.observedStatus : undefined;
  for (const event of itemEvents(stored.item, previous)) {
    events.push({
      ...base,
      key: `${event.kind}:${candidateId}:${stored.id}:${event.discriminator}`,
      kind: event.kind,
      details: event.details,
      ...(event.occurredOn === undefined ? {} : { occurredOn: event.occurredOn }),
    });
  }
  return events;
}

export { observedStatus };
