-- The resolver writes a page's new candidates and their evidence in one statement
-- (src/store/resolution.ts WRITE_PAGE), so both tables' triggers fired at its end and each
-- recomputed the same new candidates' rows (three-language text vectors, evidence titles): at
-- 100,000 records 76 ms and 55 ms of the write's 202 ms a page. A candidate inserted by a
-- statement can only have evidence inserted by that same statement, whose evidence trigger
-- refreshes it; the insert trigger now refreshes only the candidates without evidence.
-- The triggers also no longer call a refresh with nothing to refresh (the resolver's update of
-- the shown name, an evidence upsert without conflicts), which still ran its statements.
create or replace function horisont_rows_candidates_insert() returns trigger language plpgsql
  set search_path from current as $$
declare
  ids uuid[] := array(select n.id from new_rows n
                      where not exists (select 1 from evidence e where e.candidate_id = n.id));
begin
  if cardinality(ids) > 0 then perform horisont_rows_refresh(ids); end if;
  return null;
end
$$;

create or replace function horisont_rows_candidates_update() returns trigger language plpgsql
  set search_path from current as $$
declare
  refreshed uuid[] := array(
    select n.id from new_rows n join old_rows o on o.id = n.id
    where (n.name, n.manufacturer, n.kind, n.identifiers, n.merged_into, n.created_at, n.updated_at)
          is distinct from (o.name, o.manufacturer, o.kind, o.identifiers, o.merged_into, o.created_at, o.updated_at));
  rescored uuid[] := array(
    select n.id from new_rows n join old_rows o on o.id = n.id
    where n.current_score_id is distinct from o.current_score_id
      and (n.name, n.manufacturer, n.kind, n.identifiers, n.merged_into, n.created_at, n.updated_at)
          is not distinct from (o.name, o.manufacturer, o.kind, o.identifiers, o.merged_into, o.created_at, o.updated_at));
begin
  if cardinality(refreshed) > 0 then perform horisont_rows_refresh(refreshed); end if;
  if cardinality(rescored) > 0 then perform horisont_rows_rescore(rescored); end if;
  return null;
end
$$;

create or replace function horisont_rows_from_new() returns trigger language plpgsql set search_path from current as $$
declare
  ids uuid[] := array(select distinct candidate_id from new_rows);
begin
  if cardinality(ids) > 0 then perform horisont_rows_refresh(ids); end if;
  return null;
end
$$;

create or replace function horisont_rows_from_old() returns trigger language plpgsql set search_path from current as $$
declare
  ids uuid[] := array(select distinct candidate_id from old_rows);
begin
  if cardinality(ids) > 0 then perform horisont_rows_refresh(ids); end if;
  return null;
end
$$;

create or replace function horisont_rows_from_both() returns trigger language plpgsql set search_path from current as $$
declare
  ids uuid[] := array(select candidate_id from new_rows union select candidate_id from old_rows);
begin
  if cardinality(ids) > 0 then perform horisont_rows_refresh(ids); end if;
  return null;
end
$$;
