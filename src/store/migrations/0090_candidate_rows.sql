-- The workbench's read model at scale (issue 24): one row per live candidate with everything the
-- ranked list sorts, filters, counts and searches on, so no list, search or count request has to
-- unpack score JSON or aggregate evidence for every candidate. Kept in step by statement-level
-- triggers on the tables it is derived from, in the writer's transaction: the score stage, the
-- resolver, decisions, nominations, reports and curation keep it current without knowing it.
create table candidate_rows (
  candidate_id uuid primary key references candidates (id) on delete cascade,
  name text not null,
  manufacturer text,
  kind text not null,
  -- lower(name): the score sort's tie-breaker, and (ICU Swedish) the name sort.
  sort_name text not null,
  total integer,
  -- total, or -1 when unscored: unscored candidates last in the score order, in one index.
  rank_total integer not null,
  band text,
  council text,
  stage text,
  process_status text,
  insufficient boolean not null,
  criteria_version text,
  -- new | handled | other (RankedSection); null for an unscored candidate, which is in none.
  section text,
  -- What people see: the reviewers' decision, or nominated when on the queue without one.
  status text not null,
  watched boolean not null,
  npo text[] not null,
  sources text[] not null,
  evidence_count integer not null,
  report_version integer,
  created_at timestamptz not null,
  updated_at timestamptz not null
);

create index candidate_rows_score on candidate_rows (rank_total desc, sort_name, candidate_id);
create index candidate_rows_section on candidate_rows (section, rank_total desc, sort_name, candidate_id);
create index candidate_rows_band on candidate_rows (band, rank_total desc, sort_name, candidate_id);
create index candidate_rows_council on candidate_rows (council, rank_total desc, sort_name, candidate_id);
create index candidate_rows_status on candidate_rows (status, rank_total desc, sort_name, candidate_id)
  where status <> 'open';
create index candidate_rows_watched on candidate_rows (rank_total desc, sort_name, candidate_id) where watched;
create index candidate_rows_name on candidate_rows ((sort_name collate "sv-SE-x-icu"), candidate_id);
create index candidate_rows_created on candidate_rows (created_at, candidate_id);
create index candidate_rows_updated on candidate_rows (updated_at, candidate_id);
create index candidate_rows_sources on candidate_rows using gin (sources);

-- What the search reads (src/store/search.ts), beside the rows: a new score rewrites a row and
-- its index entries, and must not rewrite a trigram entry for every letter triple of its text.
create table candidate_search (
  candidate_id uuid primary key references candidates (id) on delete cascade,
  -- Folded (lower case, å ä ö … as base letters; src/store/search.ts `fold`): name, maker,
  -- identifiers and evidence titles, for substring and misspelling matches (pg_trgm).
  search_text text not null,
  -- Whole words of the name and maker, and of everything searched, in Swedish, English, Norwegian.
  name_vector tsvector not null,
  search_vector tsvector not null
);
create index candidate_search_trgm on candidate_search using gin (search_text public.gin_trgm_ops);
create index candidate_search_name_fts on candidate_search using gin (name_vector);
create index candidate_search_fts on candidate_search using gin (search_vector);

-- Programme areas (NPO) per candidate, normalised: the NPO filter and the filter menu's values.
create table candidate_npo (
  npo text not null,
  candidate_id uuid not null references candidate_rows (candidate_id) on delete cascade,
  primary key (npo, candidate_id)
);
create index candidate_npo_candidate on candidate_npo (candidate_id);

-- The candidate page's duplicate check and the search's exact matches, through indexes.
create index candidates_identifiers on candidates using gin (identifiers jsonb_path_ops);
create index candidates_maker_first_word on candidates
  (lower(manufacturer), split_part(lower(name), ' ', 1)) where manufacturer is not null;
create index candidate_keys_value on candidate_keys (value);
create index nominations_candidate on nominations (candidate_id);
create index possible_duplicates_b on possible_duplicates (candidate_b);

create function horisont_fold(text) returns text language sql immutable parallel safe as $$
  select translate(lower($1), 'åäöæøéèêüáàâ', 'aaoaoeeeuaaa')
$$;

create function horisont_words(text) returns tsvector language sql immutable parallel safe as $$
  select to_tsvector('swedish', $1) || to_tsvector('english', $1) || to_tsvector('norwegian', $1)
$$;

-- src/store/queries.ts `sectionCondition`, for one current score.
create function horisont_section(council text, stage text, process_status text) returns text
  language sql immutable parallel safe as $$
  select case
    when process_status in ('hanteras-av-mtp-radet', 'hanteras-av-nt-radet', 'omprovning') then 'handled'
    when council in ('MTP-rådet', 'NT-rådet', 'båda') and coalesce(stage, 'unknown') not in ('established', 'withdrawn')
      then 'new'
    else 'other' end
$$;

-- candidate_npo of `ids` as their rows' npo say.
create function horisont_rows_npo(ids uuid[]) returns void language plpgsql set search_path from current as $$
begin
  delete from candidate_npo n using unnest(ids) k(id) where n.candidate_id = k.id
    and not exists (select 1 from candidate_rows r where r.candidate_id = n.candidate_id and n.npo = any(r.npo));
  insert into candidate_npo (npo, candidate_id)
  select distinct unnest(r.npo), r.candidate_id from candidate_rows r join unnest(ids) k(id) on r.candidate_id = k.id
  on conflict do nothing;
end
$$;

-- Recomputes the rows of `ids` from the tables they derive from (a merged or deleted candidate's
-- row goes). Rows are written in id order, so two transactions refreshing overlapping sets wait
-- for each other instead of deadlocking, and an unchanged row is not written at all.
create function horisont_rows_refresh(ids uuid[]) returns void language plpgsql
  set search_path from current as $$
begin
  delete from candidate_rows r using unnest(ids) k(id) where r.candidate_id = k.id
    and not exists (select 1 from candidates c where c.id = r.candidate_id and c.merged_into is null);
  delete from candidate_search r using unnest(ids) k(id) where r.candidate_id = k.id
    and not exists (select 1 from candidates c where c.id = r.candidate_id and c.merged_into is null);
  insert into candidate_rows as r (candidate_id, name, manufacturer, kind, sort_name, total, rank_total, band,
    council, stage, process_status, insufficient, criteria_version, section, status, watched, npo, sources,
    evidence_count, report_version, created_at, updated_at)
  select c.id, c.name, c.manufacturer, c.kind, lower(c.name), s.total, coalesce(s.total, -1), s.band, s.council,
         st.stage, st.process_status, coalesce((s.result->>'insufficientEvidence')::boolean, false),
         s.criteria_version,
         case when s.id is not null then horisont_section(s.council, st.stage, st.process_status) end,
         case
           when cs.status is not null and cs.status <> 'open' then cs.status
           when exists (select 1 from nominations n where n.candidate_id = c.id
                          and (cs.updated_at is null or n.created_at > cs.updated_at)) then 'nominated'
           else 'open' end,
         coalesce(cs.watched, false), coalesce(a.names, '{}'), coalesce(ev.sources, '{}'), coalesce(ev.n, 0),
         (select max(version) from reports rp where rp.candidate_id = c.id),
         c.created_at, c.updated_at
  from candidates c
  left join scores s on s.id = c.current_score_id
  left join lateral (select coalesce(s.stage, s.result->>'stage') as stage,
                            coalesce(s.process_status, s.result->>'processStatus') as process_status) st on true
  left join candidate_state cs on cs.candidate_id = c.id
  left join lateral (
    select array_agg(distinct i.source_id order by i.source_id) as sources, count(*)::int as n
    from evidence e join source_items i on i.id = e.item_id where e.candidate_id = c.id) ev on true
  left join lateral (
    select array_agg(x->>'name' order by ord) as names
    from jsonb_array_elements(case when jsonb_typeof(s.result->'programmeAreas') = 'array'
                                   then s.result->'programmeAreas' else '[]'::jsonb end) with ordinality as t(x, ord)
    where x->>'name' is not null) a on true
  join unnest(ids) k(id) on c.id = k.id
  where c.merged_into is null
  order by c.id
  on conflict (candidate_id) do update set
    name = excluded.name, manufacturer = excluded.manufacturer, kind = excluded.kind, sort_name = excluded.sort_name,
    total = excluded.total, rank_total = excluded.rank_total, band = excluded.band, council = excluded.council,
    stage = excluded.stage, process_status = excluded.process_status, insufficient = excluded.insufficient,
    criteria_version = excluded.criteria_version, section = excluded.section, status = excluded.status,
    watched = excluded.watched, npo = excluded.npo, sources = excluded.sources,
    evidence_count = excluded.evidence_count, report_version = excluded.report_version,
    created_at = excluded.created_at, updated_at = excluded.updated_at
  where r is distinct from excluded;
  insert into candidate_search as x (candidate_id, search_text, name_vector, search_vector)
  select c.id,
         horisont_fold(concat_ws(' ', c.name, c.manufacturer,
           (select string_agg(i->>'value', ' ') from jsonb_array_elements(c.identifiers) i), t.titles)),
         w.name_vector, w.name_vector || coalesce(horisont_words(t.titles), '')
  from candidates c
  join unnest(ids) k(id) on c.id = k.id
  cross join lateral (select horisont_words(concat_ws(' ', c.name, c.manufacturer)) as name_vector) w
  left join lateral (
    select string_agg(i.title, ' ' order by i.id) as titles
    from evidence e join source_items i on i.id = e.item_id where e.candidate_id = c.id) t on true
  where c.merged_into is null
  order by c.id
  on conflict (candidate_id) do update set
    search_text = excluded.search_text, name_vector = excluded.name_vector, search_vector = excluded.search_vector
  where x is distinct from excluded;
  perform horisont_rows_npo(ids);
end
$$;

-- Only what a new current score changes (the evidence, decisions and search text stay): what the
-- score stage and a rescore switch cost per candidate.
create function horisont_rows_rescore(ids uuid[]) returns void language plpgsql
  set search_path from current as $$
begin
  update candidate_rows r set total = n.total, rank_total = coalesce(n.total, -1), band = n.band,
         council = n.council, stage = n.stage, process_status = n.process_status, insufficient = n.insufficient,
         criteria_version = n.criteria_version, section = n.section, npo = n.npo
  from (
    select c.id, s.total, s.band, s.council, st.stage, st.process_status,
           coalesce((s.result->>'insufficientEvidence')::boolean, false) as insufficient, s.criteria_version,
           case when s.id is not null then horisont_section(s.council, st.stage, st.process_status) end as section,
           coalesce(a.names, '{}') as npo
    from unnest(ids) k(id) join candidates c on c.id = k.id
    left join scores s on s.id = c.current_score_id
    left join lateral (select coalesce(s.stage, s.result->>'stage') as stage,
                              coalesce(s.process_status, s.result->>'processStatus') as process_status) st on true
    left join lateral (
      select array_agg(x->>'name' order by ord) as names
      from jsonb_array_elements(case when jsonb_typeof(s.result->'programmeAreas') = 'array'
                                     then s.result->'programmeAreas' else '[]'::jsonb end) with ordinality as t(x, ord)
      where x->>'name' is not null) a on true) n
  where r.candidate_id = n.id
    and (r.total, r.band, r.council, r.stage, r.process_status, r.insufficient, r.criteria_version, r.section, r.npo)
        is distinct from (n.total, n.band, n.council, n.stage, n.process_status, n.insufficient, n.criteria_version,
                          n.section, n.npo);
  perform horisont_rows_npo(ids);
end
$$;

-- The triggers: each collects the candidates a statement touched and refreshes them once.
create function horisont_rows_from_new() returns trigger language plpgsql set search_path from current as $$
begin
  perform horisont_rows_refresh(array(select distinct candidate_id from new_rows));
  return null;
end
$$;
create function horisont_rows_from_old() returns trigger language plpgsql set search_path from current as $$
begin
  perform horisont_rows_refresh(array(select distinct candidate_id from old_rows));
  return null;
end
$$;
create function horisont_rows_from_both() returns trigger language plpgsql set search_path from current as $$
begin
  perform horisont_rows_refresh(array(select candidate_id from new_rows union select candidate_id from old_rows));
  return null;
end
$$;

-- candidates: what the row shows of the candidate itself, and merges.
create function horisont_rows_candidates_insert() returns trigger language plpgsql
  set search_path from current as $$
begin
  perform horisont_rows_refresh(array(select id from new_rows));
  return null;
end
$$;
create function horisont_rows_candidates_update() returns trigger language plpgsql
  set search_path from current as $$
begin
  perform horisont_rows_refresh(array(
    select n.id from new_rows n join old_rows o on o.id = n.id
    where (n.name, n.manufacturer, n.kind, n.identifiers, n.merged_into, n.created_at, n.updated_at)
          is distinct from (o.name, o.manufacturer, o.kind, o.identifiers, o.merged_into, o.created_at, o.updated_at)));
  perform horisont_rows_rescore(array(
    select n.id from new_rows n join old_rows o on o.id = n.id
    where n.current_score_id is distinct from o.current_score_id
      and (n.name, n.manufacturer, n.kind, n.identifiers, n.merged_into, n.created_at, n.updated_at)
          is not distinct from (o.name, o.manufacturer, o.kind, o.identifiers, o.merged_into, o.created_at, o.updated_at)));
  return null;
end
$$;
create trigger candidate_rows_candidates_insert after insert on candidates
  referencing new table as new_rows for each statement execute function horisont_rows_candidates_insert();
create trigger candidate_rows_candidates_update after update on candidates
  referencing new table as new_rows old table as old_rows
  for each statement execute function horisont_rows_candidates_update();

create trigger candidate_rows_evidence_insert after insert on evidence
  referencing new table as new_rows for each statement execute function horisont_rows_from_new();
create trigger candidate_rows_evidence_update after update on evidence
  referencing new table as new_rows old table as old_rows
  for each statement execute function horisont_rows_from_both();
create trigger candidate_rows_evidence_delete after delete on evidence
  referencing old table as old_rows for each statement execute function horisont_rows_from_old();

create trigger candidate_rows_state_insert after insert on candidate_state
  referencing new table as new_rows for each statement execute function horisont_rows_from_new();
create trigger candidate_rows_state_update after update on candidate_state
  referencing new table as new_rows old table as old_rows
  for each statement execute function horisont_rows_from_both();

create trigger candidate_rows_nominations_insert after insert on nominations
  referencing new table as new_rows for each statement execute function horisont_rows_from_new();
create trigger candidate_rows_reports_insert after insert on reports
  referencing new table as new_rows for each statement execute function horisont_rows_from_new();

-- Score rows are written once; an edited one (by hand, or a repair) still shows where it is current.
create index candidates_current_score on candidates (current_score_id);
create function horisont_rows_scores_update() returns trigger language plpgsql set search_path from current as $$
begin
  perform horisont_rows_rescore(array(
    select c.id from new_rows n join old_rows o on o.id = n.id
    join candidates c on c.current_score_id = n.id
    where (n.total, n.band, n.council, n.stage, n.process_status, n.criteria_version, n.result)
          is distinct from (o.total, o.band, o.council, o.stage, o.process_status, o.criteria_version, o.result)));
  return null;
end
$$;
create trigger candidate_rows_scores_update after update on scores
  referencing new table as new_rows old table as old_rows
  for each statement execute function horisont_rows_scores_update();

-- An item's new title changes what finds the candidates it is evidence of.
create function horisont_rows_items_update() returns trigger language plpgsql set search_path from current as $$
begin
  perform horisont_rows_refresh(array(
    select distinct e.candidate_id from new_rows n join old_rows o on o.id = n.id and o.title is distinct from n.title
    join evidence e on e.item_id = n.id));
  return null;
end
$$;
create trigger candidate_rows_items_update after update on source_items
  referencing new table as new_rows old table as old_rows
  for each statement execute function horisont_rows_items_update();

select horisont_rows_refresh(array(select id from candidates));
