-- Source health beyond the last outcome: the usual yield a run is measured against, notes that
-- warn without failing (an API's build version changed), and the canary values they compare.

-- Runs before this time do not count towards a source's usual yield (`horisont sources
-- reset-yield`, for a source whose list has legitimately shrunk).
alter table sources add column yield_baseline_from timestamptz;

-- The usual number of items (median of the previous successful runs) when the run settled.
alter table run_sources add column usual_items integer;

-- The yield history: a source's settled runs, newest first.
create index run_sources_history on run_sources (source_id, finished_at desc) where finished_at is not null;
create index snapshots_history on snapshots (source_id, request_key, fetched_at desc) where parsed_at is not null;

-- Values an adapter reports as canaries (EUDAMED's applicationInfo.buildVersion), one per name.
create table source_canaries (
  source_id text not null references sources (id),
  name text not null,
  value text not null,
  run_id uuid references runs (id),
  updated_at timestamptz not null default now(),
  primary key (source_id, name)
);

-- Warnings about a source that are not failures. One per source, run and code, so a parse job
-- that runs twice records its note once.
create table source_notes (
  id bigserial primary key,
  source_id text not null references sources (id),
  run_id uuid references runs (id),
  code text not null,
  message text not null,
  created_at timestamptz not null default now(),
  unique (source_id, run_id, code)
);
create index source_notes_recent on source_notes (source_id, created_at desc);
