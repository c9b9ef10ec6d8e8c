import { likeLiteral } from './db.js';
import type { Db } from './db.js';

/**
 * The workbench's free-text search over candidates: what a reviewer types into "Fritext".
 *
 * Swedish and Norwegian write compounds as one word, so a whole-word text search misses most of
 * what people type: `glukos` is in "glukosmätning", `pump` in "insulinpump", `robot` in
 * "Robotassisterad". A candidate matches when
 * - the Swedish, English or Norwegian text search matches its name, maker or an evidence title
 *   (whole words, stems), or an identifier or key is the query itself; or
 * - every word of the query is found inside its name, maker or an evidence title: anywhere in a
 *   word (prefixes and parts of compounds), or, for words of four letters or more, spelt nearly
 *   so (pg_trgm's word_similarity, for a misspelling such as `glukosmätnig`).
 * Text is compared folded: lower case, with å ä ö æ ø é ü read as their base letters, so
 * `hjart` finds "hjärt" and the Norwegian and Swedish spellings meet where they can.
 *
 * Every condition reads the candidate's search text in `candidate_search` (migration 0090), whose
 * folded text carries a trigram index and whose word vectors carry full-text indexes: a search
 * starts from those indexes, never from a scan of candidates or evidence. pg_trgm lives in the `public` schema
 * (migration 0070): the connections' search path is the application's schema alone, so its
 * operator is named with its schema.
 */

/** A query's words, folded as the SQL folds text; at most eight, each at least two letters. */
export function searchWords(q: string): string[] {
  const words = fold(q)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length >= 2);
  return [...new Set(words)].slice(0, 8);
}

// The same letters as horisont_fold (migration 0090).
const FOLD_FROM = 'åäöæøéèêüáàâ';
const FOLD_TO = 'aaoaoeeeuaaa';

/** What `horisont_fold` does in PostgreSQL, for the query's words. */
export function fold(text: string): string {
  let out = '';
  for (const ch of text.toLowerCase()) {
    const at = FOLD_FROM.indexOf(ch);
    out += at === -1 ? ch : FOLD_TO[at]!;
  }
  return out;
}

/** Near enough to count as the same word misspelt: pg_trgm's `<%` (word_similarity ≥ 0.6, its default). */
/** Shorter words match only as written: three letters are too few to tell a misspelling. */
const FUZZY_MIN_LENGTH = 4;
/** Trigrams need three letters: shorter words are found as whole words only. */
const PART_MIN_LENGTH = 3;

/**
 * The query's words whole in `column`, read as Swedish, English or Norwegian: three conditions,
 * not one query of three languages, so PostgreSQL estimates each from the column's statistics
 * (a combined query it guesses at a sixth of the table, and reads all of it).
 */
function textMatch(column: string, query: string): string {
  return `(${['swedish', 'english', 'norwegian']
    .map((language) => `${column} @@ websearch_to_tsquery('${language}', ${query})`)
    .join(' or ')})`;
}

/** What a search's statements join to the rows they filter. */
export const SEARCH_JOIN = 'join candidate_search x on x.candidate_id = r.candidate_id';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The candidates whose identifier, identity key or id is the query itself, looked up first so
 * the search's own plan sees a list of ids (a subquery inside its conditions would make
 * PostgreSQL expect half the table to match, and read all of it).
 */
export async function exactMatches(db: Db, q: string): Promise<string[]> {
  const id = UUID.test(q.trim()) ? q.trim() : null;
  return (
    await db.query<{ id: string }>(
      `select k.candidate_id as id from candidate_keys k where k.value = $1
       union select c.id from candidates c where c.identifiers @> jsonb_build_array(jsonb_build_object('value', $1::text))
       union select c.id from candidates c where c.id = $2::uuid`,
      [q, id],
    )
  ).rows.map((row) => row.id);
}

/**
 * The search's conditions on a candidate's search text `x` (candidate_search, migration 0090;
 * joined to its row by {@link SEARCH_JOIN}, or read first for the ids it matches), each served
 * by an index: `best` — the query's words whole in the name or maker, or one of `exactIds`
 * ({@link exactMatches}); `good` — the words whole anywhere (evidence titles too), or every word
 * of three letters or more inside the folded text (parts of compounds, starts of words); `near` —
 * every word of four letters or more spelt nearly so (misspellings). The list ranks `best`, then
 * `good` matches, each by score; `near` ones only when there are no others, since every common
 * word is near thousands of others. Each returns its SQL, adding its parameters with `param`
 * (which returns a parameter's placeholder) when called.
 */
export function candidateSearch(
  q: string,
  exactIds: readonly string[],
  param: (value: unknown) => string,
): { best: () => string; good: () => string; near: (() => string) | undefined } {
  const words = searchWords(q);
  const best = () =>
    `(${textMatch('x.name_vector', param(q))}${exactIds.length > 0 ? ` or x.candidate_id = any(${param(exactIds)}::uuid[])` : ''})`;
  const parts = words.filter((word) => word.length >= PART_MIN_LENGTH);
  const good = () => {
    const inText = parts.map((word) => `x.search_text like ${param(`%${likeLiteral(word)}%`)}`);
    return `(${textMatch('x.search_vector', param(q))}${inText.length > 0 ? ` or (${inText.join(' and ')})` : ''})`;
  };
  // Every word must be found: a short one as written, a longer one nearly so.
  const near = () =>
    `(${parts
      .map((word) =>
        word.length >= FUZZY_MIN_LENGTH
          ? `${param(word)} operator(public.<%) x.search_text`
          : `x.search_text like ${param(`%${likeLiteral(word)}%`)}`,
      )
      .join(' and ')})`;
  return { best, good, near: parts.some((word) => word.length >= FUZZY_MIN_LENGTH) ? near : undefined };
}
