-- Guards against content that must not become news (issue 21): schema drift of structured
-- sources and mass re-keying.

-- What each parsed page listed. `item_keys` are the keys of its items (kept for the latest
-- accepted observation of each request and the current run's; older ones are cleared when a newer
-- observation is accepted). `records_total`/`records_lacking`: for structured sources, the page's
-- records and how many lacked the fields the adapter needs (the drift baseline). `held`: the run's
-- scan of the source was held for review, so its pages are no accepted observation.
alter table snapshots
  add column item_keys text[],
  add column records_total integer,
  add column records_lacking integer,
  add column held boolean not null default false;
create index snapshots_record_census on snapshots (source_id, fetched_at desc) where records_total > 0;

-- A source's scan whose new items wait for a person: more of the keys its requests listed before
-- disappeared than the guard allows while about as many new ones appeared.
create table item_holds (
  id bigserial primary key,
  run_id uuid not null references runs (id),
  source_id text not null references sources (id),
  known integer not null,
  gone integer not null,
  fresh integer not null,
  reason text not null,
  status text not null default 'held' check (status in ('held', 'released', 'discarded')),
  decided_by text,
  decided_at timestamptz,
  decision_reason text,
  -- The run that resolved the items of a released hold.
  release_run_id uuid references runs (id),
  created_at timestamptz not null default now(),
  unique (run_id, source_id)
);
create index item_holds_open on item_holds (source_id) where status = 'held';

-- New items that wait: deferred until their source's scan settles (hold_id null), or held with
-- a hold. Stored as validated; they reach source_items only when let through.
create table held_items (
  run_id uuid not null references runs (id),
  source_id text not null references sources (id),
  item_key text not null,
  snapshot_id bigint not null references snapshots (id),
  data jsonb not null,
  hold_id bigint references item_holds (id),
  primary key (run_id, source_id, item_key)
);
create index held_items_hold on held_items (hold_id) where hold_id is not null;

alter table run_sources add column items_held integer not null default 0;
