/**
 * Identity resolution in PostgreSQL: links an item's identities to candidates, merges candidates
 * that turn out to be one product, splits them on a reviewer's word, and keeps each candidate's
 * history.
 *
 * Concurrency: the resolve stage locks every identity key and every block an item's identities
 * touch (advisory locks in one global order) before calling {@link resolveIdentity}, so two
 * workers resolving one product — or two spellings of it — see each other's candidate. Merges
 * lock the candidates themselves (`for update`, in id order) and links take a share lock on their
 * target, so an item never lands on a candidate that is being merged away.
 *
 * Order independence: a name is compared with every name of every candidate in its blocks, and
 * an identity matching several candidates merges them, so the clusters are the connected
 * components of the match relation whatever the arrival order. Manual decisions (pins,
 * separations) win over both.
 */
import type { ItemIdentity } from '../domain/identity.js';
import { identitiesOf } from '../domain/identity.js';
import type { NameProfile, ResolutionSettings } from '../domain/resolution.js';
import { blocksOf, profileOf, similarity } from '../domain/resolution.js';
import type { HistoryKind } from '../domain/history.js';
import { itemEvents, observedStatus } from '../domain/history.js';
import type { RawItem } from '../domain/item.js';
import type { Tx } from './db.js';
import { keyString } from './candidates.js';

export interface ResolutionContext {
  settings: ResolutionSettings;
  /** Canonical manufacturer key (legal forms, diacritics, aliases). */
  manufacturerKey: (name: string) => string;
  runId: string;
}

export interface ResolvableItem {
  id: number;
  sourceId: string;
  item: RawItem;
}

export interface LinkResult {
  /** Absent when the identity may not create a candidate and none exists yet. */
  candidateId: string | undefined;
  created: boolean;
  /** Candidates merged into `candidateId` while linking. */
  merged: string[];
  /** Other candidates close enough to show a reviewer. */
  possibleDuplicates: string[];
}

/** The key a link is remembered by: the identity's first (strongest) key. */
export function identityKeyOf(identity: ItemIdentity): string {
  return keyString(identity.keys[0]!);
}

/** Every advisory lock an identity needs: its keys and its blocks, in one global order. */
export function resolutionLocks(
  identities: ItemIdentity[],
  manufacturerKey: (name: string) => string,
  settings: ResolutionSettings,
): string[] {
  const locks = new Set<string>();
  for (const identity of identities) {
    for (const key of identity.keys) locks.add(`identity ${keyString(key)}`);
    const profile = profileOf(identity, manufacturerKey);
    if (profile !== undefined) for (const block of blocksOf(profile, settings)) locks.add(`block ${block}`);
  }
  return [...locks].sort();
}

/**
 * Takes the locks in the given order in one statement: unnest yields the array's elements in
 * order and each row's lock is taken before the next row is produced. One round trip instead of
 * one per lock matters: a resolve job of 100 registry records takes about a thousand (W5: 138,000
 * lock statements in a night, the resolve jobs' largest cost).
 */
export async function takeLocks(tx: Tx, locks: string[]): Promise<void> {
  if (locks.length === 0) return;
  await tx.query('select count(pg_advisory_xact_lock(hashtextextended(k, 0))) from unnest($1::text[]) as k', [
    locks,
  ]);
}

/** Follows merges to the candidate that lives on, taking a share lock on it. */
async function liveCandidate(tx: Tx, id: string): Promise<string> {
  let current = id;
  for (;;) {
    // eslint-disable-next-line no-await-in-loop
    const row = await tx.query<{ merged_into: string | null }>(
      'select merged_into from candidates where id = $1 for share',
      [current],
    );
    const next = row.rows[0]?.merged_into;
    if (next === null || next === undefined) return current;
    current = next;
  }
}

interface CandidateFacts {
  id: string;
  createdAt: string;
  hasDecisions: boolean;
  names: NameProfile[];
}

async function candidateFacts(tx: Tx, ids: string[]): Promise<Map<string, CandidateFacts>> {
  const rows = await tx.query<{
    id: string;
    created_at: string;
    has_decisions: boolean;
    names: Array<{ name: string; manufacturer: string; kind: NameProfile['kind'] }> | null;
  }>(
    `select c.id, c.created_at::text,
            exists (select 1 from candidate_state s where s.candidate_id = c.id) as has_decisions,
            (select json_agg(distinct jsonb_build_object('name', n.name_key, 'manufacturer', n.manufacturer_key,
                                                         'kind', n.kind))
               from candidate_names n where n.candidate_id = c.id) as names
     from candidates c where c.id = any($1::uuid[])`,
    [ids],
  );
  const facts = new Map<string, CandidateFacts>();
  for (const row of rows.rows) {
    const names = row.names ?? [];
    facts.set(row.id, {
      id: row.id,
      createdAt: row.created_at,
      hasDecisions: row.has_decisions,
      names,
    });
  }
  return facts;
}

/** A name may join a candidate only if the candidate names no other manufacturer. */
interface FuzzyMatch {
  candidateId: string;
  score: number;
  reason: string;
  matchedName: string;
}

/** The best match per candidate among the names sharing a block with `profile`. */
async function fuzzyMatches(
  tx: Tx,
  profile: NameProfile,
  settings: ResolutionSettings,
): Promise<FuzzyMatch[]> {
  const blocks = blocksOf(profile, settings);
  if (blocks.length === 0) return [];
  const rows = await tx.query<{ candidate_id: string }>(
    `with sizes as (
       select block, count(*) as n from candidate_names where block = any($1::text[]) group by block)
     select distinct n.candidate_id from candidate_names n join sizes s on s.block = n.block
     where s.n <= $2`,
    [blocks, settings.blocking.maxBlockSize],
  );
  const live = new Set<string>();
  for (const row of rows.rows) live.add(row.candidate_id);
  if (live.size === 0) return [];
  const facts = await candidateFacts(tx, [...live]);
  const matches: FuzzyMatch[] = [];
  for (const candidate of facts.values()) {
    let best: FuzzyMatch | undefined;
    for (const name of candidate.names) {
      const result = similarity(profile, name, settings);
      if (best === undefined || result.score > best.score) {
        best = {
          candidateId: candidate.id,
          score: result.score,
          reason: result.reason,
          matchedName: name.name,
        };
      }
    }
    if (best !== undefined && best.score >= settings.thresholds.possibleDuplicate) matches.push(best);
  }
  return matches;
}

async function separated(tx: Tx, a: string, b: string): Promise<boolean> {
  const [x, y] = a < b ? [a, b] : [b, a];
  const row = await tx.query(
    'select 1 from candidate_separations where candidate_a = $1 and candidate_b = $2',
    [x, y],
  );
  return row.rowCount !== 0;
}

export async function flagPossibleDuplicate(
  tx: Tx,
  a: string,
  b: string,
  score: number,
  reason: string,
): Promise<void> {
  if (a === b) return;
  const [x, y] = a < b ? [a, b] : [b, a];
  await tx.query(
    `insert into possible_duplicates (candidate_a, candidate_b, score, reason) values ($1, $2, $3, $4)
     on conflict (candidate_a, candidate_b) do update set score = greatest(possible_duplicates.score, excluded.score),
       reason = case when excluded.score > possible_duplicates.score then excluded.reason else possible_duplicates.reason end`,
    [x, y, score, reason],
  );
}

export async function recordHistory(
  tx: Tx,
  event: {
    key: string;
    candidateId: string;
    kind: HistoryKind;
    itemId?: number;
    sourceId?: string;
    runId?: string;
    occurredOn?: string;
    details?: Record<string, unknown>;
  },
): Promise<void> {
  await tx.query(
    `insert into candidate_history (event_key, candidate_id, kind, item_id, source_id, run_id, occurred_on, details)
     values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict (event_key) do nothing`,
    [
      event.key,
      event.candidateId,
      event.kind,
      event.itemId ?? null,
      event.sourceId ?? null,
      event.runId ?? null,
      event.occurredOn ?? null,
      JSON.stringify(event.details ?? {}),
    ],
  );
}

/** A name's blocks, and an exact-name row that keeps the name even when it has no usable block. */
function nameBlocks(profile: NameProfile, settings: ResolutionSettings): string[] {
  return [`n:${profile.kind}:${profile.name}`, ...blocksOf(profile, settings)];
}

/** Remembers the names (one row per block) a candidate is known by. */
async function addNames(
  tx: Tx,
  candidateId: string,
  profile: NameProfile,
  settings: ResolutionSettings,
): Promise<void> {
  const blocks = nameBlocks(profile, settings);
  await tx.query(
    `insert into candidate_names (block, candidate_id, name_key, manufacturer_key, kind)
     select unnest($1::text[]), $2, $3, $4, $5 on conflict do nothing`,
    [blocks, candidateId, profile.name, profile.manufacturer, profile.kind],
  );
}

interface MergeMeta {
  automatic: boolean;
  actor: string;
  reason: string;
  clientRequestId?: string;
  runId?: string;
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
    `insert into candidate_names (block, candidate_id, name_key, manufacturer_key, kind)
     select block, $1, name_key, manufacturer_key, kind from candidate_names where candidate_id = $2
     on conflict do nothing`,
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

/** Survivor of an automatic merge: the candidate a reviewer has decided on, else the oldest. */
function survivorOf(candidates: CandidateFacts[]): CandidateFacts {
  return candidates
    .slice()
    .sort(
      (x, y) =>
        Number(y.hasDecisions) - Number(x.hasDecisions) ||
        (x.createdAt < y.createdAt ? -1 : x.createdAt > y.createdAt ? 1 : 0) ||
        (x.id < y.id ? -1 : 1),
    )[0]!;
}

/**
 * Finds or creates the candidate for one identity and links the item to it. Must run with the
 * locks of {@link resolutionLocks} held.
 */
export async function resolveIdentity(
  tx: Tx,
  identity: ItemIdentity,
  stored: ResolvableItem,
  ctx: ResolutionContext,
  options: { mayCreate: boolean },
): Promise<LinkResult> {
  const identityKey = identityKeyOf(identity);
  const scheme = identity.keys.map((k) => k.scheme);
  const values = identity.keys.map((k) => k.value);
  const profile = profileOf(identity, ctx.manufacturerKey);

  // A reviewer's pin, the candidates holding any of the keys, and a candidate that already
  // carries this very name, in one round trip. A name some candidate already carries (another
  // UDI-DI of one trade name, a re-scan) was compared with every similar name when it was first
  // added, and every similar name added since was compared with it: that candidate is the match,
  // and comparing again would find nothing new.
  const exactName = profile === undefined ? undefined : nameBlocks(profile, ctx.settings)[0];
  const found = await tx.query<{ found: 'pin' | 'key' | 'name'; candidate_id: string }>(
    `select 'pin' as found, p.candidate_id from (
       select candidate_id from resolution_pins where item_id = $1 and identity_key in ($2, '*')
       order by identity_key = '*' limit 1) p
     union all
     select 'key', k.candidate_id from candidate_keys k
     join unnest($3::text[], $4::text[]) as t(scheme, value) on t.scheme = k.scheme and t.value = k.value
     union all
     select 'name', n.candidate_id from (
       select candidate_id from candidate_names
       where block = $5::text and name_key = $6::text and manufacturer_key = $7::text order by candidate_id limit 1) n`,
    [
      stored.id,
      identityKey,
      scheme,
      values,
      exactName ?? null,
      profile?.name ?? null,
      profile?.manufacturer ?? null,
    ],
  );
  const pinned = found.rows.find((row) => row.found === 'pin');
  const exact = found.rows.filter((row) => row.found === 'key');
  const known = found.rows.find((row) => row.found === 'name')?.candidate_id;
  const fuzzy =
    profile === undefined
      ? []
      : known !== undefined
        ? [
            {
              candidateId: known,
              score: 1,
              reason: 'samma namn efter normalisering',
              matchedName: profile.name,
            },
          ]
        : await fuzzyMatches(tx, profile, ctx.settings);

  let target: string | undefined;
  let reason = identity.reason;
  let confidence = 1;
  const merged: string[] = [];
  const possible = new Map<string, FuzzyMatch>();
  const linkTo = new Set<string>();
  if (pinned !== undefined) {
    target = await liveCandidate(tx, pinned.candidate_id);
    reason = `${identity.reason}; placerad av granskare`;
  } else {
    for (const row of exact) linkTo.add(row.candidate_id);
    const exactTargets = new Set(linkTo);
    for (const match of fuzzy) {
      if (match.score >= ctx.settings.thresholds.link) linkTo.add(match.candidateId);
      else possible.set(match.candidateId, match);
    }
    const bestFuzzy = fuzzy
      .filter((m) => m.score >= ctx.settings.thresholds.link && !exactTargets.has(m.candidateId))
      .sort((x, y) => y.score - x.score || (x.candidateId < y.candidateId ? -1 : 1))[0];
    if (exactTargets.size === 0 && bestFuzzy !== undefined) {
      reason = `${identity.reason}; liknar ”${bestFuzzy.matchedName}” (${bestFuzzy.reason}, likhet ${bestFuzzy.score.toFixed(2)})`;
      confidence = bestFuzzy.score;
    }
    const live = [...new Set(await Promise.all([...linkTo].map((id) => liveCandidate(tx, id))))];
    if (live.length > 0) {
      const facts = await candidateFacts(tx, live);
      const ordered = [...facts.values()];
      const survivor = survivorOf(ordered);
      target = survivor.id;
      for (const other of ordered) {
        if (other.id === survivor.id) continue;
        const blocked =
          (other.hasDecisions && survivor.hasDecisions) ||
          // eslint-disable-next-line no-await-in-loop
          (await separated(tx, survivor.id, other.id));
        if (blocked) {
          possible.set(other.id, {
            candidateId: other.id,
            score: 1,
            reason: 'samma identifierare eller namn, men kan inte slås ihop automatiskt',
            matchedName: '',
          });
          continue;
        }
        // eslint-disable-next-line no-await-in-loop
        await mergeCandidates(tx, survivor.id, other.id, {
          automatic: true,
          actor: 'horisont',
          reason: `${identity.displayName}: samma produkt enligt ${identity.reason}`,
          runId: ctx.runId,
        });
        merged.push(other.id);
      }
    }
  }

  let created = false;
  if (target === undefined) {
    if (!options.mayCreate) {
      await tx.query(
        `insert into deferred_links (scheme, value, item_id, reason)
         select unnest($1::text[]), unnest($2::text[]), $3, $4 on conflict do nothing`,
        [scheme, values, stored.id, identity.reason],
      );
      if (profile !== undefined) {
        await tx.query(
          `insert into deferred_names (block, item_id, name_key, manufacturer_key, kind, reason)
           select unnest($1::text[]), $2, $3, $4, $5, $6 on conflict do nothing`,
          [
            nameBlocks(profile, ctx.settings),
            stored.id,
            profile.name,
            profile.manufacturer,
            profile.kind,
            identity.reason,
          ],
        );
      }
      return { candidateId: undefined, created: false, merged: [], possibleDuplicates: [] };
    }
    target = (
      await tx.query<{ id: string }>(
        'insert into candidates (kind, name, resolved_name, first_run_id) values ($1, $2, $2, $3) returning id',
        [identity.candidateKind, identity.displayName, ctx.runId],
      )
    ).rows[0]!.id;
    created = true;
    await recordHistory(tx, {
      key: `first-seen:${target}`,
      candidateId: target,
      kind: 'first-seen',
      itemId: stored.id,
      sourceId: stored.sourceId,
      runId: ctx.runId,
      details: { title: stored.item.title, url: stored.item.url },
      ...(stored.item.publishedAt === undefined ? {} : { occurredOn: stored.item.publishedAt.slice(0, 10) }),
    });
  }

  await tx.query(
    `insert into candidate_keys (scheme, value, candidate_id)
     select unnest($1::text[]), unnest($2::text[]), $3 on conflict do nothing`,
    [scheme, values, target],
  );
  // The name shown until a registry record names the product: the least of the names its items
  // use, so it does not depend on which item came first.
  if (!created) {
    await tx.query(
      `update candidates set resolved_name = $2
       where id = $1 and coalesce(resolved_name, name) collate "C" > $2 collate "C"`,
      [target, identity.displayName],
    );
  }
  if (profile !== undefined) await addNames(tx, target, profile, ctx.settings);
  await linkEvidence(tx, target, stored, { reason, confidence, identityKey, runId: ctx.runId, created });
  // Items that waited for a candidate with one of these keys attach now.
  const waitingByKey = await tx.query<{ item_id: string }>(
    `insert into evidence (candidate_id, item_id, reason)
     select distinct $3::uuid, d.item_id, d.reason from deferred_links d
     join unnest($1::text[], $2::text[]) as t(scheme, value) on t.scheme = d.scheme and t.value = d.value
     on conflict do nothing returning item_id`,
    [scheme, values, target],
  );
  await adoptDeferred(
    tx,
    target,
    waitingByKey.rows.map((row) => row.item_id),
  );
  if (profile !== undefined && known === undefined) {
    await attachDeferredBySimilarity(tx, target, profile, ctx.settings);
  }
  possible.delete(target);
  for (const match of possible.values()) {
    // eslint-disable-next-line no-await-in-loop
    const other = await liveCandidate(tx, match.candidateId);
    // eslint-disable-next-line no-await-in-loop
    if (other !== target) await flagPossibleDuplicate(tx, target, other, match.score, match.reason);
  }
  return { candidateId: target, created, merged, possibleDuplicates: [...possible.keys()] };
}

/** Items waiting for a candidate whose name is like this one attach to it now. */
async function attachDeferredBySimilarity(
  tx: Tx,
  candidateId: string,
  profile: NameProfile,
  settings: ResolutionSettings,
): Promise<void> {
  const blocks = blocksOf(profile, settings);
  if (blocks.length === 0) return;
  const waiting = await tx.query<{
    item_id: string;
    name_key: string;
    manufacturer_key: string;
    kind: NameProfile['kind'];
    reason: string;
  }>(
    `select distinct item_id, name_key, manufacturer_key, kind, reason from deferred_names
     where block = any($1::text[]) order by item_id`,
    [blocks],
  );
  for (const row of waiting.rows) {
    const match = similarity(
      profile,
      { name: row.name_key, manufacturer: row.manufacturer_key, kind: row.kind },
      settings,
    );
    if (match.score < settings.thresholds.link) continue;
    // eslint-disable-next-line no-await-in-loop
    const attached = await tx.query(
      `insert into evidence (candidate_id, item_id, reason, confidence) values ($1, $2, $3, $4)
       on conflict do nothing`,
      [candidateId, row.item_id, `${row.reason}; liknar ”${profile.name}” (${match.reason})`, match.score],
    );
    // eslint-disable-next-line no-await-in-loop
    if (attached.rowCount !== 0) await adoptDeferred(tx, candidateId, [row.item_id]);
  }
}

/**
 * A waiting item that attaches brings its keys and names, as if it had been resolved after the
 * candidate existed: resolving it again then changes nothing.
 */
async function adoptDeferred(tx: Tx, candidateId: string, itemIds: string[]): Promise<void> {
  if (itemIds.length === 0) return;
  await tx.query(
    `insert into candidate_keys (scheme, value, candidate_id)
     select distinct scheme, value, $1::uuid from deferred_links where item_id = any($2::bigint[])
     on conflict do nothing`,
    [candidateId, itemIds],
  );
  await tx.query(
    `insert into candidate_names (block, candidate_id, name_key, manufacturer_key, kind)
     select distinct block, $1::uuid, name_key, manufacturer_key, kind from deferred_names
     where item_id = any($2::bigint[]) on conflict do nothing`,
    [candidateId, itemIds],
  );
}

/** Writes the evidence row and the history events the item gives its candidate. */
async function linkEvidence(
  tx: Tx,
  candidateId: string,
  stored: ResolvableItem,
  link: { reason: string; confidence: number; identityKey: string; runId: string; created: boolean },
): Promise<void> {
  const status = observedStatus(stored.item) ?? null;
  const before = (
    await tx.query<{ linked: boolean; observed_status: string | null; source_known: boolean }>(
      `select exists (select 1 from evidence where candidate_id = $1 and item_id = $2) as linked,
              (select observed_status from evidence where candidate_id = $1 and item_id = $2) as observed_status,
              exists (select 1 from evidence e join source_items i on i.id = e.item_id
                      where e.candidate_id = $1 and i.source_id = $3) as source_known`,
      [candidateId, stored.id, stored.sourceId],
    )
  ).rows[0]!;
  const newSource = !link.created && !before.linked && !before.source_known;
  await tx.query(
    `insert into evidence (candidate_id, item_id, reason, confidence, identity_key, observed_status)
     values ($1, $2, $3, $4, $5, $6)
     on conflict (candidate_id, item_id) do update set observed_status = excluded.observed_status
       where evidence.observed_status is distinct from excluded.observed_status`,
    [candidateId, stored.id, link.reason, link.confidence, link.identityKey, status],
  );
  const base = { candidateId, itemId: stored.id, sourceId: stored.sourceId, runId: link.runId };
  if (newSource) {
    await recordHistory(tx, {
      ...base,
      key: `new-source:${candidateId}:${stored.sourceId}`,
      kind: 'new-source',
      details: { title: stored.item.title, url: stored.item.url },
      ...(stored.item.publishedAt === undefined ? {} : { occurredOn: stored.item.publishedAt.slice(0, 10) }),
    });
  }
  const previous = before.linked ? (before.observed_status ?? undefined) : undefined;
  for (const event of itemEvents(stored.item, previous)) {
    // eslint-disable-next-line no-await-in-loop
    await recordHistory(tx, {
      ...base,
      key: `${event.kind}:${candidateId}:${stored.id}:${event.discriminator}`,
      kind: event.kind,
      details: event.details,
      ...(event.occurredOn === undefined ? {} : { occurredOn: event.occurredOn }),
    });
  }
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
  for (const [target, side] of [
    [candidateId, staying],
    [newId, moving],
  ] as const) {
    for (const identity of side.flatMap((e) => e.identities)) {
      const profile = profileOf(identity, meta.manufacturerKey);
      // eslint-disable-next-line no-await-in-loop
      if (profile !== undefined) await addNames(tx, target, profile, meta.settings);
    }
  }
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
