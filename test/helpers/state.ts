import type { Harness } from './harness.js';

/**
 * The observable end state of a world, free of generated ids and timestamps, so two worlds that
 * processed the same input in different ways can be compared for equality.
 */
export async function endState(h: Harness) {
  const candidates = await h.query<{
    name: string;
    manufacturer: string | null;
    kind: string;
    identifiers: unknown;
    evidence: string[];
    total: number | null;
    band: string | null;
    reports: number;
    nominations: number;
  }>(
    `select c.name, c.manufacturer, c.kind, c.identifiers,
            array(select i.source_id || '/' || i.item_key from evidence e join source_items i on i.id = e.item_id
                  where e.candidate_id = c.id order by 1) as evidence,
            s.total, s.band,
            (select count(*)::int from reports r where r.candidate_id = c.id) as reports,
            (select count(*)::int from nominations n where n.candidate_id = c.id) as nominations
     from candidates c left join scores s on s.id = c.current_score_id
     -- A merged candidate lives on in the one it was merged into.
     where c.merged_into is null
     order by c.name, c.manufacturer nulls first, 5`,
  );
  const items = await h.query<{ n: number }>('select count(*)::int as n from source_items');
  return { candidates, items: items[0]!.n };
}
