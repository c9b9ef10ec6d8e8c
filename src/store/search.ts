/**
 * The workbench's free-text search over candidates: what a reviewer types into "Fritext".
 *
 * Swedish and Norwegian write compounds as one word, so a whole-word text search misses most of
 * what people type: `glukos` is in "glukosmätning", `pump` in "insulinpump", `robot` in
 * "Robotassisterad". A candidate matches when
 * - the Swedish text search matches its name, maker or an evidence title (whole words, stems),
 *   or an identifier or key is the query itself; or
 * - every word of the query is found inside its name, maker or an evidence title: anywhere in a
 *   word (prefixes and parts of compounds), or, for words of four letters or more, spelt nearly
 *   so (pg_trgm's word_similarity, for a misspelling such as `glukosmätnig`).
 * Text is compared folded: lower case, with å ä ö æ ø é ü read as their base letters, so
 * `hjart` finds "hjärt" and the Norwegian and Swedish spellings meet where they can.
 *
 * pg_trgm lives in the `public` schema (migration 0070): the connections' search path is the
 * application's schema alone, so its function is called by its qualified name.
 */

/** A query's words, folded as the SQL folds text; at most eight, each at least two letters. */
export function searchWords(q: string): string[] {
  const words = fold(q)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length >= 2);
  return [...new Set(words)].slice(0, 8);
}

const FOLD_FROM = 'åäöæøéèêüáàâ';
const FOLD_TO = 'aaoaoeeeuaaa';

/** What `foldSql` does in PostgreSQL, for the query's words. */
export function fold(text: string): string {
  let out = '';
  for (const ch of text.toLowerCase()) {
    const at = FOLD_FROM.indexOf(ch);
    out += at === -1 ? ch : FOLD_TO[at]!;
  }
  return out;
}

function foldSql(expr: string): string {
  return `translate(lower(${expr}), '${FOLD_FROM}', '${FOLD_TO}')`;
}

/** Near enough to count as the same word misspelt (word_similarity is 0–1). */
const SIMILAR = 0.6;
/** Shorter words match only as written: three letters are too few to tell a misspelling. */
const FUZZY_MIN_LENGTH = 4;

const NAME_TEXT = foldSql(`c.name || ' ' || coalesce(c.manufacturer, '')`);
const TITLE_TEXT = foldSql('i.title');
const NAME_FTS = `to_tsvector('swedish', c.name || ' ' || coalesce(c.manufacturer, ''))`;

function wordIn(word: string, text: string): string {
  const found = `strpos(${text}, ${word}) > 0`;
  return `(${found} or (length(${word}) >= ${FUZZY_MIN_LENGTH} and public.word_similarity(${word}, ${text}) >= ${SIMILAR}))`;
}

/**
 * The search's condition on candidate `c` (with its current score `s`), and the expression that
 * ranks its matches: a whole-word match of the name first, then how closely the name, then the
 * closest evidence title, matches the query. `param` adds a parameter and returns its
 * placeholder.
 */
export function candidateSearch(
  q: string,
  param: (value: unknown) => string,
): { where: string; rank: string } {
  const query = param(q);
  const words = searchWords(q).map((word) => param(word));
  const inText = words.map(
    (word) => `(${wordIn(word, NAME_TEXT)}
      or exists (select 1 from evidence e join source_items i on i.id = e.item_id
                 where e.candidate_id = c.id and ${wordIn(word, TITLE_TEXT)}))`,
  );
  const where = `(${NAME_FTS} @@ websearch_to_tsquery('swedish', ${query})
      or exists (select 1 from evidence e join source_items i on i.id = e.item_id
                 where e.candidate_id = c.id and to_tsvector('swedish', i.title) @@ websearch_to_tsquery('swedish', ${query}))
      or exists (select 1 from candidate_keys k where k.candidate_id = c.id and k.value = ${query})
      or exists (select 1 from jsonb_array_elements(c.identifiers) i where i->>'value' = ${query})
      or c.id::text = ${query}${inText.length > 0 ? `\n      or (${inText.join(' and ')})` : ''})`;
  // Folded in SQL: the rank takes no parameter of its own (the count query shares the filter's).
  const folded = foldSql(query);
  const rank = `(case when ${NAME_FTS} @@ websearch_to_tsquery('swedish', ${query}) then 2 else 0 end
      + public.word_similarity(${folded}, ${NAME_TEXT})
      + coalesce((select max(public.word_similarity(${folded}, ${TITLE_TEXT})) from evidence e
                  join source_items i on i.id = e.item_id where e.candidate_id = c.id), 0) / 2)`;
  return { where, rank };
}
