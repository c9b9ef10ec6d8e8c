/**
 * Identity resolution in PostgreSQL: applies the resolver's decisions (src/domain/resolver.ts) a
 * page of items at a time, merges candidates that turn out to be one product, splits them on a
 * reviewer's word, and keeps each candidate's history.
 *
 * A page costs a fixed number of statements whatever its size: the locks, one lookup (the
 * identifiers, pins and names in the page's blocks, the candidates they belong to, separations
 * and waiting items), then one statement per kind of write (candidates, keys, names, evidence,
 * history, names shown, possible duplicates). Merges, rare, go one by one.
 *
 * Concurrency: a page locks every identifier and block it looks up (advisory locks in one global
 * order), so two workers resolving one product — or two spellings of it — see each other's
 * candidate. The lookup takes a share lock on every candidate it returns and merges lock the
 * candidates themselves (`for update`, in id order), so an item never lands on a candidate that
 * is being merged away.
 *
 * Order independence: a name is compared with every name of every candidate in its blocks, and
 * an identity matching several candidates merges them, so the clusters are the connected
 * components of the match relation whatever the arrival order. Manual decisions (pins,
 * separations) win over both.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { HistoryKind } from '../domain/history.js';
import type { ItemIdentity } from '../domain/identity.js';
import { identitiesOf } from '../domain/identity.js';
import type { RawItem } from '../domain/item.js';
import type { NameBlocks, NameProfile, ResolutionSettings } from '../domain/resolution.js';
import { nameBlocks, profileOf } from '../domain/resolution.js';
import type {
  CandidateRef,
  KnownName,
  LinkBefore,
  PageDecision,
  PageEntry,
  PageItem,
  PageLookup,
  ResolverContext,
  WaitingItem,
} from '../domain/resolver.js';
import { decidePage, keyString, linkHistory, pageEntries, pageLocks } from '../domain/resolver.js';
import { observedStatus } from '../domain/history.js';
import type { Db, Tx } from './db.js';
import { advisoryLockOf, lockKey, withTransaction } from './db.js';

export type ResolvableItem = PageItem;

export interface ResolveOutcome {
  /** Candidates whose evidence may have changed: they are scored next. */
  touched: string[];
  /** Candidates created by this page. */
  created: string[];
  /** Candidate pairs compared by name (the blocking's work). */
  comparisons: number;
  merged: number;
  flagged: number;
  /** Blocks left out of the lookup because they held more than `blocking.maxBlockSize` names. */
  fullBlocks: number;
}

/**
 * A new candidate's id, time-ordered (UUID version 7, RFC 9562: milliseconds since the epoch,
 * then random bits). Every index that leads with a candidate id (candidates, keys, names,
 * evidence, history) then grows at its right edge as a backfill creates candidates, instead of
 * touching a random page of an index larger than the buffer cache for every row (at a million
 * candidates a night's page read ≈ 400 index and heap blocks from outside shared buffers).
 */
export function timeOrderedUuid(now: number = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The key a link is remembered by: the identity's first (strongest) key. */
export function identityKeyOf(identity: ItemIdentity): string {
  return keyString(identity.keys[0]!);
}

/**
 * Takes the locks in the given order in one statement: unnest yields the array's elements in
 * order and each row's lock is taken before the next row is produced.
 */
export async function takeLocks(tx: Tx, locks: string[]): Promise<void> {
  if (locks.length === 0) return;
  await tx.query(`select count(pg_advisory_xact_lock(${advisoryLockOf('k')})) from unnest($1::text[]) as k`, [
    locks,
  ]);
}

interface LookupRow {
  owners: Array<[string, string]> | null;
  pins: Array<[string, string, string]> | null;
  names: Array<[string, string, string, string, string, string | null, string | null, boolean]> | null;
  facts: Array<[string, string, string | null, boolean]> | null;
  separations: Array<[string, string]> | null;
  waiting: Array<
    [
      string,
      string | null,
      string | null,
      string | null,
      string | null,
      string | null,
      boolean | null,
      string,
    ]
  > | null;
}

/**
 * Everything the page's decision needs, in one statement: the candidates holding its identifiers,
 * the reviewer's pins on its items, the names in its blocks (at most `maxBlockSize + 1` each, so a
 * block too common to tell anything costs no more than that; read from the head and tail
 * indexes alone, which carry what is compared: migration 0141), the facts and share locks of every
 * candidate found, separations between them, and items waiting for a key or name of the page.
 */
const LOOKUP = `
with owners as (
  select k.scheme || ':' || k.value as key, k.candidate_id
  from unnest($1::text[], $2::text[]) as t(scheme, value)
  join candidate_keys k on k.scheme = t.scheme and k.value = t.value),
pins as (
  select item_id, identity_key, candidate_id from resolution_pins where item_id = any($3::bigint[])),
named as (
  select 'h' || b.block as block, n.candidate_id, n.kind, n.name_key, n.maker_key, n.srn, n.basic_udi,
         n.maker_named_only
  from unnest($4::text[]) as b(block)
  cross join lateral (
    select candidate_id, kind, name_key, maker_key, srn, basic_udi, maker_named_only from candidate_names
    where head = b.block limit $7) n
  union all
  select 't' || b.block, n.candidate_id, n.kind, n.name_key, n.maker_key, n.srn, n.basic_udi, n.maker_named_only
  from unnest($5::text[]) as b(block)
  cross join lateral (
    select candidate_id, kind, name_key, maker_key, srn, basic_udi, maker_named_only from candidate_names
    where tail = b.block limit $7) n
  union all
  select 'c' || b.block, n.candidate_id, n.kind, n.name_key, n.maker_key, n.srn, n.basic_udi, n.maker_named_only
  from unnest($6::text[]) as b(block)
  cross join lateral (
    select candidate_id, kind, name_key, maker_key, srn, basic_udi, maker_named_only from candidate_names
    where concepts @> array[b.block] limit $7) n),
ids as (
  select candidate_id from owners union select candidate_id from pins union select candidate_id from named),
facts as (
  select c.id, c.created_at, c.merged_into,
         exists (select 1 from candidate_state s where s.candidate_id = c.id) as decided
  from candidates c where c.id in (select candidate_id from ids) order by c.id for share of c),
separations as (
  select candidate_a, candidate_b from candidate_separations
  where candidate_a in (select candidate_id from ids) and candidate_b in (select candidate_id from ids)),
waiting as (
  select d.item_id, d.scheme || ':' || d.value as key, null as kind, null as name_key, null as maker_key,
         null as srn, null::boolean as maker_named_only, d.reason
  from unnest($1::text[], $2::text[]) as t(scheme, value)
  join deferred_links d on d.scheme = t.scheme and d.value = t.value
  union all
  select d.item_id, null, d.kind, d.name_key, d.maker_key, d.srn, d.maker_named_only, d.reason from deferred_names d
  where d.head = any($4::text[]) or d.tail = any($5::text[]) or d.concepts && $6::text[])
select
  (select json_agg(json_build_array(key, candidate_id)) from owners) as owners,
  (select json_agg(json_build_array(item_id::text, identity_key, candidate_id)) from pins) as pins,
  (select json_agg(json_build_array(block, candidate_id, kind, name_key, maker_key, srn, basic_udi,
                                    maker_named_only)) from named) as names,
  (select json_agg(json_build_array(id, created_at, merged_into, decided)) from facts) as facts,
  (select json_agg(json_build_array(candidate_a, candidate_b)) from separations) as separations,
  (select json_agg(json_build_array(item_id::text, key, kind, name_key, maker_key, srn, maker_named_only, reason))
     from waiting) as waiting`;

function profileOfRow(row: {
  kind: string;
  name: string;
  maker: string;
  srn: string | null;
  basicUdi: string | null;
  namedOnly: boolean | null;
}): NameProfile {
  return {
    name: row.name,
    manufacturer: row.maker,
    kind: row.kind as NameProfile['kind'],
    ...(row.srn === null ? {} : { srn: row.srn }),
    ...(row.basicUdi === null ? {} : { basicUdiDi: row.basicUdi }),
    ...(row.namedOnly === true ? { makerNamedOnly: true as const } : {}),
  };
}

/** Follows merges to the candidates that live on (a concurrent merge committed under our feet). */
async function liveIds(tx: Tx, ids: string[]): Promise<Map<string, string>> {
  const rows = await tx.query<{ id: string; live: string }>(
    `with recursive chain(id, at) as (
       select id, id from unnest($1::uuid[]) as id
       union all
       select chain.id, c.merged_into from chain join candidates c on c.id = chain.at where c.merged_into is not null)
     select distinct on (chain.id) chain.id, chain.at as live from chain join candidates c on c.id = chain.at
     where c.merged_into is null order by chain.id`,
    [ids],
  );
  return new Map(rows.rows.map((row) => [row.id, row.live]));
}

async function lookupPage(
  tx: Tx,
  entries: readonly PageEntry[],
  settings: ResolutionSettings,
): Promise<{
  lookup: PageLookup;
  fullBlocks: number;
}> {
  const schemes: string[] = [];
  const values: string[] = [];
  const keys = new Set<string>();
  const heads = new Set<string>();
  const tails = new Set<string>();
  const concepts = new Set<string>();
  for (const entry of entries) {
    for (const key of entry.hardKeys) keys.add(key);
    for (const head of entry.lookup.heads) heads.add(head);
    for (const tail of entry.lookup.tails) tails.add(tail);
    for (const concept of entry.lookup.concepts) concepts.add(concept);
  }
  for (const key of keys) {
    const at = key.indexOf(':');
    schemes.push(key.slice(0, at));
    values.push(key.slice(at + 1));
  }
  const cap = settings.blocking.maxBlockSize;
  const row = (
    await tx.query<LookupRow>(LOOKUP, [
      schemes,
      values,
      [...new Set(entries.map((e) => e.itemId))],
      [...heads],
      [...tails],
      [...concepts],
      cap + 1,
    ])
  ).rows[0]!;
  const merged = (row.facts ?? []).filter(([, , mergedInto]) => mergedInto !== null).map(([id]) => id);
  const live = merged.length === 0 ? new Map<string, string>() : await liveIds(tx, merged);
  const liveOf = (id: string): string => live.get(id) ?? id;

  const owners = new Map((row.owners ?? []).map(([key, id]) => [key, liveOf(id)]));
  const byBlock = new Map<string, KnownName[]>();
  for (const [block, id, kind, name, maker, srn, basicUdi, namedOnly] of row.names ?? []) {
    const list = byBlock.get(block) ?? [];
    list.push({ candidateId: liveOf(id), ...profileOfRow({ kind, name, maker, srn, basicUdi, namedOnly }) });
    byBlock.set(block, list);
  }
  let fullBlocks = 0;
  for (const [block, names] of byBlock) {
    if (names.length > cap) {
      byBlock.delete(block);
      fullBlocks++;
    }
  }
  const candidates = new Map<string, { id: string; createdAt: string; hasDecisions: boolean }>();
  for (const [id, createdAt, mergedInto, decided] of row.facts ?? []) {
    if (mergedInto === null) candidates.set(id, { id, createdAt, hasDecisions: decided });
  }
  if (live.size > 0) {
    // The candidates merged into are locked and described as the others are.
    const extra = await tx.query<{ id: string; created_at: string; decided: boolean }>(
      `select c.id, c.created_at::text, exists (select 1 from candidate_state s where s.candidate_id = c.id) as decided
       from candidates c where c.id = any($1::uuid[]) order by c.id for share`,
      [[...new Set(live.values())]],
    );
    for (const fact of extra.rows) {
      candidates.set(fact.id, { id: fact.id, createdAt: fact.created_at, hasDecisions: fact.decided });
    }
  }
  const pins = new Map<string, string>();
  for (const [itemId, identityKey, candidateId] of row.pins ?? []) {
    pins.set(`${itemId} ${identityKey}`, liveOf(candidateId));
  }
  const separated = new Set((row.separations ?? []).map(([a, b]) => (a < b ? `${a} ${b}` : `${b} ${a}`)));
  const waitingByItem = new Map<number, WaitingItem>();
  for (const [itemId, key, kind, name, maker, srn, namedOnly, reason] of row.waiting ?? []) {
    const id = Number(itemId);
    const waiting = waitingByItem.get(id) ?? { itemId: id, keys: [], reason };
    if (key !== null) waiting.keys.push(key);
    if (kind !== null && name !== null) {
      waiting.profile = profileOfRow({ kind, name, maker: maker ?? '', srn, basicUdi: null, namedOnly });
    }
    waitingByItem.set(id, waiting);
  }
  return {
    lookup: {
      owners,
      namesByBlock: byBlock,
      candidates,
      pins,
      separated,
      waiting: [...waitingByItem.values()].sort((a, b) => a.itemId - b.itemId),
    },
    fullBlocks,
  };
}

/** A name to store, with the candidate (or waiting item) it belongs to. */
interface NamedRow {
  candidateId: string;
  profile: NameProfile;
  blocks: NameBlocks;
}

/** Concepts travel as one string each (`|`-joined): node-postgres cannot send ragged arrays. */
function conceptsParam(blocks: NameBlocks): string | null {
  return blocks.concepts === undefined || blocks.concepts.length === 0 ? null : blocks.concepts.join('|');
}

async function insertNames(tx: Tx, table: 'candidate_names', rows: NamedRow[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `insert into ${table} (candidate_id, kind, name_key, maker_key, srn, basic_udi, maker_named_only, head, tail,
                           concepts)
     select t.id, t.kind, t.name, t.maker, t.srn, t.basic, t.named_only, t.head, t.tail,
            string_to_array(t.concepts, '|')
     from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::boolean[], $8::text[],
                 $9::text[], $10::text[]) as t(id, kind, name, maker, srn, basic, named_only, head, tail, concepts)
     on conflict do nothing`,
    [
      rows.map((r) => r.candidateId),
      rows.map((r) => r.profile.kind),
      rows.map((r) => r.profile.name),
      rows.map((r) => r.profile.manufacturer),
      rows.map((r) => r.profile.srn ?? null),
      rows.map((r) => r.profile.basicUdiDi ?? null),
      rows.map((r) => r.profile.makerNamedOnly === true),
      rows.map((r) => r.blocks.head ?? null),
      rows.map((r) => r.blocks.tail ?? null),
      rows.map((r) => conceptsParam(r.blocks)),
    ],
  );
}

async function insertHistory(tx: Tx, events: Array<HistoryRow>): Promise<void> {
  if (events.length === 0) return;
  await tx.query(
    `insert into candidate_history (event_key, candidate_id, kind, item_id, source_id, run_id, occurred_on, details)
     select * from unnest($1::text[], $2::uuid[], $3::text[], $4::bigint[], $5::text[], $6::uuid[], $7::text[],
                          $8::jsonb[])
     on conflict (event_key) do nothing`,
    [
      events.map((e) => e.key),
      events.map((e) => e.candidateId),
      events.map((e) => e.kind),
      events.map((e) => e.itemId ?? null),
      events.map((e) => e.sourceId ?? null),
      events.map((e) => e.runId ?? null),
      events.map((e) => e.occurredOn ?? null),
      events.map((e) => JSON.stringify(e.details ?? {})),
    ],
  );
}

interface HistoryRow {
  key: string;
  candidateId: string;
  kind: HistoryKind;
  itemId?: number;
  sourceId?: string;
  runId?: string;
  occurredOn?: string;
  details?: Record<string, unknown>;
}

export async function recordHistory(tx: Tx, event: HistoryRow): Promise<void> {
  await insertHistory(tx, [event]);
}

export async function flagPossibleDuplicate(
  tx: Tx,
  a: string,
  b: string,
  score: number,
  reason: string,
): Promise<void> {
  await insertFlags(tx, [{ a, b, score, reason }]);
}

async function insertFlags(
  tx: Tx,
  flags: Array<{ a: string; b: string; score: number; reason: string }>,
): Promise<void> {
  const pairs = flags.filter((f) => f.a !== f.b);
  if (pairs.length === 0) return;
  await tx.query(
    `insert into possible_duplicates (candidate_a, candidate_b, score, reason)
     select least(t.a, t.b), greatest(t.a, t.b), t.score, t.reason
     from unnest($1::uuid[], $2::uuid[], $3::real[], $4::text[]) as t(a, b, score, reason)
     on conflict (candidate_a, candidate_b) do update set score = greatest(possible_duplicates.score, excluded.score),
       reason = case when excluded.score > possible_duplicates.score then excluded.reason else possible_duplicates.reason end`,
    [pairs.map((f) => f.a), pairs.map((f) => f.b), pairs.map((f) => f.score), pairs.map((f) => f.reason)],
  );
}

/** Whether two candidates have been separated by a reviewer. */
async function separated(tx: Tx, a: string, b: string): Promise<boolean> {
  const [x, y] = a < b ? [a, b] : [b, a];
  const row = await tx.query(
    'select 1 from candidate_separations where candidate_a = $1 and candidate_b = $2',
    [x, y],
  );
  return row.rowCount !== 0;
}

/**
 * Resolves one page of stored items to candidates in the caller's transaction: locks, one
 * lookup, the domain's decision, and the writes. The resolve stage, `horisont resolve --all`, the
 * linkage evaluation and the W3 benchmark all go through here.
 */
export async function resolvePage(
  tx: Tx,
  items: readonly PageItem[],
  ctx: ResolverContext & { runId: string },
): Promise<
  ResolveOutcome & { decision: PageDecision; entries: PageEntry[]; ids: Map<CandidateRef, string> }
> {
  const entries = pageEntries(items, ctx);
  await takeLocks(tx, pageLocks(entries));
  const { lookup, fullBlocks } = await lookupPage(tx, entries, ctx.settings);
  const decision = decidePage(entries, lookup, ctx);

  for (const merge of decision.merges) {
    // Rare (a page proving two candidates one product), so one merge at a time.
    // eslint-disable-next-line no-await-in-loop
    await mergeCandidates(tx, merge.survivor, merge.absorbed, {
      automatic: true,
      actor: 'horisont',
      reason: merge.reason,
      runId: ctx.runId,
    });
  }

  const ids = new Map<CandidateRef, string>();
  for (const create of decision.creates) ids.set(create.ref, timeOrderedUuid());
  const idOf = (ref: CandidateRef): string => ids.get(ref) ?? ref;

  // Evidence: one row per (candidate, item), with the history its link tells.
  const created = new Set(decision.creates.map((c) => idOf(c.ref)));
  const itemsById = new Map(items.map((item) => [item.id, item]));
  const links = new Map<
    string,
    { candidateId: string; stored: PageItem; reason: string; confidence: number; identityKey: string }
  >();
  for (const link of decision.links) {
    const entry = entries[link.entry]!;
    const candidateId = idOf(link.candidate);
    const key = `${candidateId} ${entry.itemId}`;
    if (links.has(key)) continue;
    links.set(key, {
      candidateId,
      stored: itemsById.get(entry.itemId)!,
      reason: link.reason,
      confidence: link.confidence,
      identityKey: entry.identityKey,
    });
  }
  const firstLinkOf = new Map<string, string>();
  for (const create of decision.creates) {
    firstLinkOf.set(idOf(create.ref), `${idOf(create.ref)} ${entries[create.entry]!.itemId}`);
  }
  const existing = [...links.values()].filter((l) => !created.has(l.candidateId));
  const before = new Map<string, LinkBefore>();
  if (existing.length > 0) {
    const rows = await tx.query<{
      n: string;
      linked: boolean;
      observed_status: string | null;
      source_known: boolean;
    }>(
      `select t.n::text, e.item_id is not null as linked, e.observed_status,
              e.item_id is null and exists (
                select 1 from evidence x join source_items i on i.id = x.item_id
                where x.candidate_id = t.candidate and i.source_id = t.source) as source_known
       from unnest($1::uuid[], $2::bigint[], $3::text[]) with ordinality as t(candidate, item, source, n)
       left join evidence e on e.candidate_id = t.candidate and e.item_id = t.item`,
      [
        existing.map((l) => l.candidateId),
        existing.map((l) => l.stored.id),
        existing.map((l) => l.stored.sourceId),
      ],
    );
    for (const row of rows.rows) {
      const link = existing[Number(row.n) - 1]!;
      before.set(`${link.candidateId} ${link.stored.id}`, {
        linked: row.linked,
        sourceKnown: row.source_known,
        ...(row.observed_status === null ? {} : { observedStatus: row.observed_status }),
      });
    }
  }
  const evidence = [...links.values()];
  const adopted = decision.adoptions
    .map((a) => ({ ...a, candidateId: idOf(a.candidate) }))
    .filter((a) => !links.has(`${a.candidateId} ${a.item.itemId}`));
  // The creating links first, so that a later item of another source on the same page is a new source.
  const ordered = [
    ...evidence.filter((l) => firstLinkOf.get(l.candidateId) === `${l.candidateId} ${l.stored.id}`),
    ...evidence.filter((l) => firstLinkOf.get(l.candidateId) !== `${l.candidateId} ${l.stored.id}`),
  ];
  const sourcesOnPage = new Set<string>();
  const history: HistoryRow[] = [];
  for (const link of ordered) {
    const pair = `${link.candidateId} ${link.stored.id}`;
    const isCreation = firstLinkOf.get(link.candidateId) === pair;
    const seen = sourcesOnPage.has(`${link.candidateId} ${link.stored.sourceId}`);
    sourcesOnPage.add(`${link.candidateId} ${link.stored.sourceId}`);
    const known = before.get(pair) ?? { linked: false, sourceKnown: false };
    const state = { ...known, sourceKnown: known.sourceKnown || seen };
    for (const event of linkHistory(link.candidateId, link.stored, state, isCreation)) {
      history.push({ ...event, runId: ctx.runId });
    }
  }
  await writePage(tx, {
    creates: decision.creates.map((c) => ({ id: idOf(c.ref), kind: c.kind, name: c.name })),
    keys: decision.keys.map((k) => ({ key: k.key, id: idOf(k.candidate) })),
    names: decision.names.map((n) => ({
      candidateId: idOf(n.candidate),
      profile: n.profile,
      blocks: n.blocks,
    })),
    evidence: [
      ...evidence.map((l) => ({
        candidate: l.candidateId,
        item: l.stored.id,
        reason: l.reason,
        confidence: l.confidence,
        identityKey: l.identityKey,
        status: observedStatus(l.stored.item) ?? null,
      })),
      ...adopted.map((a) => ({
        candidate: a.candidateId,
        item: a.item.itemId,
        reason: a.reason,
        confidence: a.confidence,
        identityKey: null,
        status: null,
      })),
    ],
    history,
    // The name shown until a registry record names the product: the least of the names its items
    // use, so it does not depend on which item came first.
    shown: decision.links.map((link) => ({
      id: idOf(link.candidate),
      name: entries[link.entry]!.identity.displayName,
    })),
    flags: decision.flags.map((f) => ({ a: idOf(f.a), b: idOf(f.b), score: f.score, reason: f.reason })),
    runId: ctx.runId,
  });
  await deferEntries(
    tx,
    decision.deferrals.map((index) => entries[index]!),
  );
  await adoptWaiting(tx, adopted);

  const touched = new Set<string>();
  for (const link of evidence) touched.add(link.candidateId);
  for (const adoption of adopted) touched.add(adoption.candidateId);
  return {
    touched: [...touched].sort(),
    created: [...created],
    comparisons: decision.comparisons,
    merged: decision.merges.length,
    flagged: decision.flags.length,
    fullBlocks,
    decision,
    entries,
    ids,
  };
}

/** What a page writes, each list as its rows. */
interface PageWrites {
  creates: Array<{ id: string; kind: string; name: string }>;
  keys: Array<{ key: string; id: string }>;
  names: NamedRow[];
  evidence: Array<{
    candidate: string;
    item: number;
    reason: string;
    confidence: number;
    identityKey: string | null;
    status: string | null;
  }>;
  history: HistoryRow[];
  shown: Array<{ id: string; name: string }>;
  flags: Array<{ a: string; b: string; score: number; reason: string }>;
  runId: string;
}

/**
 * A page's candidates, keys, names, evidence, history, names shown and possible duplicates in one
 * statement: each list travels as one JSON document (serialised natively, where array parameters
 * are escaped character by character), and the foreign keys between them are checked at the
 * statement's end, after every part is in. A new candidate's shown name is the least of its
 * names here; the update reaches only the candidates that existed before (a statement's parts
 * do not see each other's rows).
 */
const WRITE_PAGE = `
with shown_names as materialized (
  select s.id, min(s.name collate "C") as name from json_to_recordset($6::json) as s(id uuid, name text) group by s.id),
created as (
  insert into candidates (id, kind, name, resolved_name, first_run_id)
  select c.id, c.kind, c.name, least(c.name collate "C", s.name), $8::uuid
  from json_to_recordset($1::json) as c(id uuid, kind text, name text) left join shown_names s on s.id = c.id
  returning 1),
keys as (
  insert into candidate_keys (scheme, value, candidate_id)
  select split_part(k.key, ':', 1), substr(k.key, strpos(k.key, ':') + 1), k.id
  from json_to_recordset($2::json) as k(key text, id uuid)
  on conflict do nothing
  returning 1),
names as (
  insert into candidate_names (candidate_id, kind, name_key, maker_key, srn, basic_udi, maker_named_only, head, tail,
                               concepts)
  select n.id, n.kind, n.name, n.maker, n.srn, n.basic, n.named_only, n.head, n.tail, n.concepts
  from json_to_recordset($3::json)
    as n(id uuid, kind text, name text, maker text, srn text, basic text, named_only boolean, head text, tail text,
         concepts text[])
  on conflict do nothing
  returning 1),
linked as (
  insert into evidence (candidate_id, item_id, reason, confidence, identity_key, observed_status)
  select e.candidate, e.item, e.reason, e.confidence, e.identity_key, e.status
  from json_to_recordset($4::json)
    as e(candidate uuid, item bigint, reason text, confidence real, identity_key text, status text)
  on conflict (candidate_id, item_id) do update set observed_status = excluded.observed_status
    where evidence.observed_status is distinct from excluded.observed_status
  returning 1),
told as (
  insert into candidate_history (event_key, candidate_id, kind, item_id, source_id, run_id, occurred_on, details)
  select h.key, h.candidate, h.kind, h.item, h.source, h.run, h.occurred_on, coalesce(h.details, '{}')
  from json_to_recordset($5::json)
    as h(key text, candidate uuid, kind text, item bigint, source text, run uuid, occurred_on text, details jsonb)
  on conflict (event_key) do nothing
  returning 1),
shown as (
  update candidates c set resolved_name = t.name from shown_names t
  where c.id = t.id and coalesce(c.resolved_name, c.name) collate "C" > t.name
  returning 1),
flagged as (
  insert into possible_duplicates (candidate_a, candidate_b, score, reason)
  select least(f.a, f.b), greatest(f.a, f.b), max(f.score), (array_agg(f.reason order by f.score desc, f.reason))[1]
  from json_to_recordset($7::json) as f(a uuid, b uuid, score real, reason text)
  where f.a <> f.b
  group by least(f.a, f.b), greatest(f.a, f.b)
  on conflict (candidate_a, candidate_b) do update set score = greatest(possible_duplicates.score, excluded.score),
    reason = case when excluded.score > possible_duplicates.score then excluded.reason else possible_duplicates.reason end
  returning 1)
select (select count(*) from created) + (select count(*) from keys) + (select count(*) from names)
       + (select count(*) from linked) + (select count(*) from told) + (select count(*) from shown)
       + (select count(*) from flagged) as written`;

async function writePage(tx: Tx, page: PageWrites): Promise<void> {
  await tx.query(WRITE_PAGE, [
    JSON.stringify(page.creates),
    JSON.stringify(page.keys),
    JSON.stringify(
      page.names.map((r) => ({
        id: r.candidateId,
        kind: r.profile.kind,
        name: r.profile.name,
        maker: r.profile.manufacturer,
        srn: r.profile.srn ?? null,
        basic: r.profile.basicUdiDi ?? null,
        named_only: r.profile.makerNamedOnly === true,
        head: r.blocks.head ?? null,
        tail: r.blocks.tail ?? null,
        concepts:
          r.blocks.concepts === undefined || r.blocks.concepts.length === 0 ? null : r.blocks.concepts,
      })),
    ),
    JSON.stringify(
      page.evidence.map((e) => ({
        candidate: e.candidate,
        item: e.item,
        reason: e.reason,
        confidence: e.confidence,
        identity_key: e.identityKey,
        status: e.status,
      })),
    ),
    JSON.stringify(
      page.history.map((h) => ({
        key: h.key,
        candidate: h.candidateId,
        kind: h.kind,
        item: h.itemId ?? null,
        source: h.sourceId ?? null,
        run: h.runId ?? null,
        occurred_on: h.occurredOn ?? null,
        details: h.details ?? null,
      })),
    ),
    JSON.stringify(page.shown),
    JSON.stringify(page.flags),
    page.runId,
  ]);
}

/** Entries that may not create a candidate wait by their identifiers and their name. */
async function deferEntries(tx: Tx, entries: PageEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const keys = entries.flatMap((entry) =>
    entry.hardKeys.map((key) => ({ key, itemId: entry.itemId, reason: entry.identity.reason })),
  );
  if (keys.length > 0) {
    await tx.query(
      `insert into deferred_links (scheme, value, item_id, reason)
       select split_part(t.key, ':', 1), substr(t.key, strpos(t.key, ':') + 1), t.item, t.reason
       from unnest($1::text[], $2::bigint[], $3::text[]) as t(key, item, reason) on conflict do nothing`,
      [keys.map((k) => k.key), keys.map((k) => k.itemId), keys.map((k) => k.reason)],
    );
  }
  const named = entries.filter((entry) => entry.profile !== undefined);
  if (named.length > 0) {
    await tx.query(
      `insert into deferred_names (item_id, kind, name_key, maker_key, srn, basic_udi, maker_named_only, head, tail,
                                   concepts, reason)
       select t.item, t.kind, t.name, t.maker, t.srn, t.basic, t.named_only, t.head, t.tail,
              string_to_array(t.concepts, '|'), t.reason
       from unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::boolean[],
                   $8::text[], $9::text[], $10::text[], $11::text[])
         as t(item, kind, name, maker, srn, basic, named_only, head, tail, concepts, reason)
       on conflict do nothing`,
      [
        named.map((e) => e.itemId),
        named.map((e) => e.profile!.kind),
        named.map((e) => e.profile!.name),
        named.map((e) => e.profile!.manufacturer),
        named.map((e) => e.profile!.srn ?? null),
        named.map((e) => e.profile!.basicUdiDi ?? null),
        named.map((e) => e.profile!.makerNamedOnly === true),
        named.map((e) => e.stored.head ?? null),
        named.map((e) => e.stored.tail ?? null),
        named.map((e) => conceptsParam(e.stored)),
        named.map((e) => e.identity.reason),
      ],
    );
  }
}

/**
 * A waiting item that attaches brings its identifiers and names, as if it had been resolved after
 * the candidate existed: resolving it again then changes nothing.
 */
async function adoptWaiting(
  tx: Tx,
  adopted: Array<{ item: WaitingItem; candidateId: string }>,
): Promise<void> {
  if (adopted.length === 0) return;
  const candidates = adopted.map((a) => a.candidateId);
  const itemIds = adopted.map((a) => a.item.itemId);
  await tx.query(
    `insert into candidate_keys (scheme, value, candidate_id)
     select distinct d.scheme, d.value, t.candidate from unnest($1::uuid[], $2::bigint[]) as t(candidate, item)
     join deferred_links d on d.item_id = t.item on conflict do nothing`,
    [candidates, itemIds],
  );
  await tx.query(
    `insert into candidate_names (candidate_id, kind, name_key, maker_key, srn, basic_udi, maker_named_only, head,
                                  tail, concepts)
     select distinct t.candidate, d.kind, d.name_key, d.maker_key, d.srn, d.basic_udi, d.maker_named_only, d.head,
            d.tail, d.concepts
     from unnest($1::uuid[], $2::bigint[]) as t(candidate, item)
     join deferred_names d on d.item_id = t.item on conflict do nothing`,
    [candidates, itemIds],
  );
}

/** A fingerprint of what decides where names are filed: blocks are refiled when it changes. */
export function blocksVersion(settings: ResolutionSettings): string {
  const relevant = {
    algorithm: 4,
    affix: settings.blocking.affixLength,
    descriptive: settings.descriptiveWords,
    variants: settings.variantWords,
    methods: settings.methods,
  };
  return createHash('sha256').update(JSON.stringify(relevant)).digest('hex').slice(0, 16);
}

const REFILE_BATCH = 5000;

/** Refiles the names of the next batch of owners after `after`; the last owner done, or undefined at the end. */
async function refileBatch(
  tx: Tx,
  table: 'candidate_names' | 'deferred_names',
  settings: ResolutionSettings,
  after: string | null,
): Promise<{ last: string; rows: number } | undefined> {
  const owner = table === 'candidate_names' ? 'candidate_id' : 'item_id';
  const found = await tx.query<{
    ctid: string;
    owner: string;
    kind: string;
    name_key: string;
    maker_key: string;
    srn: string | null;
  }>(
    `select n.ctid::text, n.${owner}::text as owner, n.kind, n.name_key, n.maker_key, n.srn from ${table} n
     where n.${owner}::text in (select distinct ${owner}::text from ${table}
                                where $1::text is null or ${owner}::text > $1::text order by 1 limit $2)`,
    [after, REFILE_BATCH],
  );
  if (found.rows.length === 0) return undefined;
  const blocks = found.rows.map((row) =>
    nameBlocks(
      {
        name: row.name_key,
        manufacturer: row.maker_key,
        kind: row.kind as NameProfile['kind'],
        // Short names are filed under their maker's SRN (src/domain/resolution.ts affixBlocks).
        ...(row.srn === null ? {} : { srn: row.srn }),
      },
      settings,
    ),
  );
  await tx.query(
    `update ${table} n set head = t.head, tail = t.tail, concepts = string_to_array(t.concepts, '|')
     from unnest($1::tid[], $2::text[], $3::text[], $4::text[]) as t(ctid, head, tail, concepts)
     where n.ctid = t.ctid`,
    [
      found.rows.map((row) => row.ctid),
      blocks.map((b) => b.head ?? null),
      blocks.map((b) => b.tail ?? null),
      blocks.map(conceptsParam),
    ],
  );
  return {
    last: found.rows
      .map((row) => row.owner)
      .sort()
      .pop()!,
    rows: found.rows.length,
  };
}

/**
 * Files every stored name under the blocks the current settings give, when they were filed
 * under other settings (or by a migration that could not compute them). Runs at start under a
 * lock, a batch of candidates at a time; a database whose blocks are current costs one query.
 */
export async function refreshNameBlocks(db: Db, settings: ResolutionSettings): Promise<number> {
  const version = blocksVersion(settings);
  const current = await db.query<{ version: string | null }>('select version from resolution_blocks');
  if (current.rows[0]?.version === version) return 0;
  return withTransaction(db, async (tx) => {
    await lockKey(tx, 'resolution blocks');
    const again = await tx.query<{ version: string | null }>(
      'select version from resolution_blocks for update',
    );
    if (again.rows[0]?.version === version) return 0;
    let refiled = 0;
    for (const table of ['candidate_names', 'deferred_names'] as const) {
      let after: string | null = null;
      for (;;) {
        // eslint-disable-next-line no-await-in-loop
        const batch = await refileBatch(tx, table, settings, after);
        if (batch === undefined) break;
        refiled += batch.rows;
        after = batch.last;
      }
    }
    await tx.query('update resolution_blocks set version = $1', [version]);
    return refiled;
  });
}

interface MergeMeta {
  automatic: boolean;
  actor: string;
  reason: string;
  clientRequestId?: string;
  runId?: string;
}

export interface PossibleDuplicate {
  a: string;
  a_name: string;
  b: string;
  b_name: string;
  score: number;
  reason: string;
}

/** Pairs of candidates that may be duplicates, the most alike first. */
export async function possibleDuplicates(db: Db): Promise<PossibleDuplicate[]> {
  return (
    await db.query<PossibleDuplicate>(
      `select p.candidate_a as a, ca.name as a_name, p.candidate_b as b, cb.name as b_name, p.score, p.reason
       from possible_duplicates p
       join candidates ca on ca.id = p.candidate_a join candidates cb on cb.id = p.candidate_b
       order by p.score desc, ca.name, cb.name`,
    )
  ).rows;
}

export interface CandidateHistoryRow {
  kind: HistoryKind;
  occurred_on: string | null;
  created_at: Date;
  source_id: string | null;
  details: Record<string, unknown>;
}

/** A candidate's history (first seen, new sources, certificates, status changes, …), oldest first. */
export async function candidateHistory(db: Db, candidateId: string): Promise<CandidateHistoryRow[]> {
  return (
    await db.query<CandidateHistoryRow>(
      `select kind, occurred_on, created_at, source_id, details from candidate_history
       where candidate_id = $1 order by coalesce(occurred_on, created_at::date::text), id`,
      [candidateId],
    )
  ).rows;
}

/** The merge or split a client request id recorded, if any. */
export async function curationOfRequest(
  db: Db | Tx,
  clientRequestId: string,
): Promise<{ action: 'merge' | 'split'; candidateId: string; otherCandidateId: string } | undefined> {
  const row = (
    await db.query<{ action: 'merge' | 'split'; candidate_id: string; other_candidate_id: string }>(
      'select action, candidate_id, other_candidate_id from resolution_log where client_request_id = $1',
      [clientRequestId],
    )
  ).rows[0];
  return (
    row && { action: row.action, candidateId: row.candidate_id, otherCandidateId: row.other_candidate_id }
  );
}

export class ResolutionRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResolutionRefusedError';
  }
}

/** Locks candidates for update in id order (one global order: no deadlock between merges). */
async function lockCandidates(tx: Tx, ids: string[]): Promise<Map<string, string | null>> {
  const rows = await tx.query<{ id: string; merged_into: string | null }>(
    'select id, merged_into from candidates where id = any($1::uuid[]) order by id for update',
    [[...new Set(ids)].sort()],
  );
  return new Map(rows.rows.map((row) => [row.id, row.merged_into]));
}

/**
 * Moves everything of `absorbedId` onto `survivorId`: keys, names, evidence, pins, separations and
 * possible duplicates; the absorbed candidate stays (its decisions and reports refer to it) and
 * points at the survivor. Recorded in the resolution log and both histories.
 */
export async function mergeCandidates(
  tx: Tx,
  survivorId: string,
  absorbedId: string,
  meta: MergeMeta,
): Promise<void> {
  if (survivorId === absorbedId) {
    throw new ResolutionRefusedError('en kandidat kan inte slås ihop med sig själv');
  }
  const state = await lockCandidates(tx, [survivorId, absorbedId]);
  for (const id of [survivorId, absorbedId]) {
    if (!state.has(id)) throw new ResolutionRefusedError(`kandidaten ${id} finns inte`);
    if (state.get(id) !== null) throw new ResolutionRefusedError(`kandidaten ${id} är redan sammanslagen`);
  }
  const [a, b] = survivorId < absorbedId ? [survivorId, absorbedId] : [absorbedId, survivorId];
  if (meta.automatic && (await separated(tx, a, b))) {
    throw new ResolutionRefusedError('kandidaterna har delats upp av en granskare');
  }
  await tx.query('delete from candidate_separations where candidate_a = $1 and candidate_b = $2', [a, b]);
  await tx.query('delete from possible_duplicates where candidate_a = $1 and candidate_b = $2', [a, b]);
  await tx.query('update candidate_keys set candidate_id = $1 where candidate_id = $2', [
    survivorId,
    absorbedId,
  ]);
  await tx.query(
    `insert into candidate_names (candidate_id, kind, name_key, maker_key, srn, basic_udi, maker_named_only, head,
                                  tail, concepts)
     select $1, kind, name_key, maker_key, srn, basic_udi, maker_named_only, head, tail, concepts
     from candidate_names where candidate_id = $2 on conflict do nothing`,
    [survivorId, absorbedId],
  );
  await tx.query('delete from candidate_names where candidate_id = $1', [absorbedId]);
  await tx.query(
    `insert into evidence (candidate_id, item_id, reason, confidence, linked_at, identity_key, observed_status)
     select $1, item_id, reason, confidence, linked_at, identity_key, observed_status from evidence
     where candidate_id = $2 on conflict do nothing`,
    [survivorId, absorbedId],
  );
  await tx.query('delete from evidence where candidate_id = $1', [absorbedId]);
  await tx.query('update resolution_pins set candidate_id = $1 where candidate_id = $2', [
    survivorId,
    absorbedId,
  ]);
  for (const table of ['candidate_separations', 'possible_duplicates'] as const) {
    // Re-point the absorbed side of each pair, keeping pairs ordered and dropping self-pairs.
    // eslint-disable-next-line no-await-in-loop
    await tx.query(
      `insert into ${table} select least(x.other, $1::uuid), greatest(x.other, $1::uuid), ${
        table === 'candidate_separations'
          ? 'x.decided_by, x.reason, x.decided_at'
          : 'x.score, x.reason, x.created_at'
      }
       from (select case when candidate_a = $2 then candidate_b else candidate_a end as other, * from ${table}
             where candidate_a = $2 or candidate_b = $2) x
       where x.other <> $1 on conflict do nothing`,
      [survivorId, absorbedId],
    );
    // eslint-disable-next-line no-await-in-loop
    await tx.query(`delete from ${table} where candidate_a = $1 or candidate_b = $1`, [absorbedId]);
  }
  await tx.query('update candidates set merged_into = $1 where merged_into = $2', [survivorId, absorbedId]);
  await tx.query(
    `update candidates s set resolved_name = coalesce(a.resolved_name, a.name) from candidates a
     where s.id = $1 and a.id = $2
       and coalesce(s.resolved_name, s.name) collate "C" > coalesce(a.resolved_name, a.name) collate "C"`,
    [survivorId, absorbedId],
  );
  await tx.query('update candidates set merged_into = $1, updated_at = now() where id = $2', [
    survivorId,
    absorbedId,
  ]);
  const logged = await tx.query<{ id: string }>(
    `insert into resolution_log (action, automatic, candidate_id, other_candidate_id, actor, reason, client_request_id)
     values ('merge', $1, $2, $3, $4, $5, $6) returning id`,
    [meta.automatic, survivorId, absorbedId, meta.actor, meta.reason, meta.clientRequestId ?? null],
  );
  const details = { other: absorbedId, automatic: meta.automatic, reason: meta.reason, by: meta.actor };
  await recordHistory(tx, {
    key: `merge:${logged.rows[0]!.id}`,
    candidateId: survivorId,
    kind: 'merged',
    details,
    ...(meta.runId === undefined ? {} : { runId: meta.runId }),
  });
}

interface EvidenceIdentity {
  itemId: number;
  identityKey: string | null;
  identities: ItemIdentity[];
}

/** The identities of a candidate's evidence items that link them to it. */
async function evidenceIdentities(tx: Tx, candidateId: string): Promise<EvidenceIdentity[]> {
  const rows = await tx.query<{
    item_id: string;
    identity_key: string | null;
    source_id: string;
    data: RawItem;
  }>(
    `select e.item_id, e.identity_key, i.source_id, i.data from evidence e join source_items i on i.id = e.item_id
     where e.candidate_id = $1 order by e.item_id`,
    [candidateId],
  );
  return rows.rows.map((row) => {
    const all = identitiesOf(row.source_id, row.data);
    const linked = row.identity_key === null ? all : all.filter((i) => identityKeyOf(i) === row.identity_key);
    return { itemId: Number(row.item_id), identityKey: row.identity_key, identities: linked };
  });
}

/**
 * Moves the given items' links off `candidateId` onto a new candidate, on a reviewer's word:
 * the items are pinned to the new candidate and the two are kept apart from then on, so neither
 * a re-scan nor a later merge by similarity undoes it. Keys only the moved items give go with
 * them; keys both sides give stay (the pins decide for the moved items).
 */
export async function splitCandidate(
  tx: Tx,
  candidateId: string,
  itemIds: number[],
  meta: MergeMeta & { settings: ResolutionSettings; manufacturerKey: (name: string) => string },
): Promise<string> {
  const state = await lockCandidates(tx, [candidateId]);
  if (!state.has(candidateId)) throw new ResolutionRefusedError(`kandidaten ${candidateId} finns inte`);
  if (state.get(candidateId) !== null) {
    throw new ResolutionRefusedError('kandidaten är sammanslagen med en annan');
  }
  const wanted = new Set(itemIds);
  const evidence = await evidenceIdentities(tx, candidateId);
  const moving = evidence.filter((e) => wanted.has(e.itemId));
  const staying = evidence.filter((e) => !wanted.has(e.itemId));
  if (moving.length !== wanted.size) {
    throw new ResolutionRefusedError('alla valda poster måste vara evidens för kandidaten');
  }
  if (moving.length === 0 || staying.length === 0) {
    throw new ResolutionRefusedError('en uppdelning måste lämna evidens på båda sidor');
  }
  const first = moving[0]!.identities[0];
  const kind = (
    await tx.query<{ kind: string; name: string }>('select kind, name from candidates where id = $1', [
      candidateId,
    ])
  ).rows[0]!;
  const newId = (
    await tx.query<{ id: string }>(
      'insert into candidates (kind, name, resolved_name, first_run_id) values ($1, $2, $2, null) returning id',
      [first?.candidateKind ?? kind.kind, first?.displayName ?? kind.name],
    )
  ).rows[0]!.id;
  await tx.query(
    'update evidence set candidate_id = $1 where candidate_id = $2 and item_id = any($3::bigint[])',
    [newId, candidateId, [...wanted]],
  );
  await tx.query(
    `insert into resolution_pins (item_id, identity_key, candidate_id, decided_by)
     select unnest($1::bigint[]), unnest($2::text[]), $3, $4
     on conflict (item_id, identity_key) do update set candidate_id = excluded.candidate_id,
       decided_by = excluded.decided_by, decided_at = now()`,
    [moving.map((e) => e.itemId), moving.map((e) => e.identityKey ?? '*'), newId, meta.actor],
  );
  const stayingKeys = new Set(staying.flatMap((e) => e.identities.flatMap((i) => i.keys.map(keyString))));
  const movingKeys = [
    ...new Set(moving.flatMap((e) => e.identities.flatMap((i) => i.keys.map(keyString)))),
  ].filter((key) => !stayingKeys.has(key));
  await tx.query(
    `update candidate_keys set candidate_id = $1
     where candidate_id = $2 and scheme || ':' || value = any($3::text[])`,
    [newId, candidateId, movingKeys],
  );
  // Names are rebuilt on both sides from the identities that now link there.
  await tx.query('delete from candidate_names where candidate_id = $1', [candidateId]);
  const names: NamedRow[] = [];
  for (const [target, side] of [
    [candidateId, staying],
    [newId, moving],
  ] as const) {
    for (const identity of side.flatMap((e) => e.identities)) {
      const profile = profileOf(identity, meta.manufacturerKey);
      if (profile !== undefined) {
        names.push({ candidateId: target, profile, blocks: nameBlocks(profile, meta.settings) });
      }
    }
  }
  await insertNames(tx, 'candidate_names', names);
  const [a, b] = candidateId < newId ? [candidateId, newId] : [newId, candidateId];
  await tx.query(
    `insert into candidate_separations (candidate_a, candidate_b, decided_by, reason) values ($1, $2, $3, $4)
     on conflict do nothing`,
    [a, b, meta.actor, meta.reason],
  );
  const logged = await tx.query<{ id: string }>(
    `insert into resolution_log (action, automatic, candidate_id, other_candidate_id, item_ids, actor, reason,
                                 client_request_id)
     values ('split', $1, $2, $3, $4, $5, $6, $7) returning id`,
    [meta.automatic, candidateId, newId, [...wanted], meta.actor, meta.reason, meta.clientRequestId ?? null],
  );
  for (const [target, other] of [
    [candidateId, newId],
    [newId, candidateId],
  ] as const) {
    // eslint-disable-next-line no-await-in-loop
    await recordHistory(tx, {
      key: `split:${logged.rows[0]!.id}:${target}`,
      candidateId: target,
      kind: 'split',
      details: { other, reason: meta.reason, by: meta.actor, items: [...wanted] },
    });
  }
  return newId;
}
