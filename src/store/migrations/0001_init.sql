-- Horisont schema v1. PostgreSQL is the system of record; unique keys are the real dedupe guarantee.

create table sources (
  id text primary key,
  adapter text not null,
  enabled boolean not null,
  health text not null default 'unknown' check (health in ('unknown', 'ok', 'failing', 'broken')),
  consecutive_failures integer not null default 0,
  last_error_kind text,
  last_error_message text,
  last_error_at timestamptz,
  last_success_at timestamptz,
  last_run_id uuid,
  last_outcome text,
  updated_at timestamptz not null default now()
);

-- Conditional-GET state per planned request.
create table fetch_state (
  source_id text not null references sources (id),
  request_key text not null,
  url text not null,
  etag text,
  last_modified text,
  body_hash text,
  updated_at timestamptz not null default now(),
  primary key (source_id, request_key)
);

-- Response bodies by content hash: an unchanged body is stored once however often it is fetched.
create table bodies (
  hash text primary key,
  body bytea not null,
  size integer not null,
  created_at timestamptz not null default now()
);

create table runs (
  id uuid primary key,
  run_key text not null unique,
  trigger text not null,
  status text not null default 'running' check (status in ('running', 'reporting', 'completed')),
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  summary jsonb
);

create table run_sources (
  run_id uuid not null references runs (id),
  source_id text not null references sources (id),
  status text not null default 'pending'
    check (status in ('pending', 'running', 'ok', 'unchanged', 'failed', 'broken')),
  error_kind text,
  error_message text,
  pages integer not null default 0,
  pages_changed integer not null default 0,
  items_seen integer not null default 0,
  items_new integer not null default 0,
  items_changed integer not null default 0,
  started_at timestamptz,
  finished_at timestamptz,
  primary key (run_id, source_id)
);

-- Every stage job of a run, registered before it is enqueued and marked done in the same
-- transaction as its effects: a run is finished exactly when nothing here is left open.
create table run_jobs (
  run_id uuid not null references runs (id),
  job_id text not null,
  queue text not null,
  -- Set for a source's fetch and parse jobs: the source's chains are over when none is open.
  source_id text,
  -- The message, so work that Redis lost can be enqueued again from here (reconcile).
  data jsonb not null,
  done boolean not null default false,
  failed boolean not null default false,
  error_kind text,
  created_at timestamptz not null default now(),
  finished_at timestamptz,
  primary key (run_id, job_id)
);
create index run_jobs_open on run_jobs (run_id) where not done;

create table snapshots (
  id bigserial primary key,
  run_id uuid not null references runs (id),
  source_id text not null references sources (id),
  request_key text not null,
  url text not null,
  status integer not null,
  headers jsonb not null,
  body_hash text references bodies (hash),
  unchanged boolean not null,
  fetched_at timestamptz not null default now(),
  -- Set by the parse stage on its first successful pass; a re-run reuses what it recorded.
  parsed_at timestamptz,
  items_seen integer,
  new_item_ids bigint[],
  changed_item_ids bigint[],
  unique (run_id, source_id, request_key)
);

create table source_items (
  id bigserial primary key,
  source_id text not null references sources (id),
  item_key text not null,
  kind text not null,
  title text not null,
  url text not null,
  published_at text,
  content_hash text not null,
  source_version text,
  data jsonb not null,
  first_snapshot_id bigint references snapshots (id),
  last_snapshot_id bigint references snapshots (id),
  first_seen_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  changed_at timestamptz not null default now(),
  unique (source_id, item_key)
);

create table candidates (
  id uuid primary key default gen_random_uuid(),
  kind text not null,
  name text not null,
  manufacturer text,
  identifiers jsonb not null default '[]',
  current_score_id bigint,
  first_run_id uuid references runs (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- Identity keys (UDI-DI, Basic UDI-DI, normalised product name, …) → one candidate each.
create table candidate_keys (
  scheme text not null,
  value text not null,
  candidate_id uuid not null references candidates (id),
  primary key (scheme, value)
);
create index candidate_keys_candidate on candidate_keys (candidate_id);

create table evidence (
  candidate_id uuid not null references candidates (id),
  item_id bigint not null references source_items (id),
  reason text not null,
  confidence real not null default 1,
  linked_at timestamptz not null default now(),
  primary key (candidate_id, item_id)
);
create index evidence_item on evidence (item_id);

-- Items that may only attach to an existing candidate (the councils' own lists mark products as
-- already handled; they never create one). Kept by key until a candidate with that key appears,
-- so the result does not depend on which item was resolved first.
create table deferred_links (
  scheme text not null,
  value text not null,
  item_id bigint not null references source_items (id),
  reason text not null,
  primary key (scheme, value, item_id)
);

create table scores (
  id bigserial primary key,
  candidate_id uuid not null references candidates (id),
  criteria_version text not null,
  input_hash text not null,
  total integer not null check (total between 0 and 100),
  band text not null,
  council text not null,
  nominate boolean not null,
  result jsonb not null,
  computed_at timestamptz not null default now(),
  unique (candidate_id, criteria_version, input_hash)
);
alter table candidates add foreign key (current_score_id) references scores (id);

create table reports (
  id bigserial primary key,
  candidate_id uuid not null references candidates (id),
  version integer not null,
  input_hash text not null,
  score_id bigint not null references scores (id),
  band text not null,
  markdown text not null,
  json jsonb not null,
  run_id uuid references runs (id),
  created_at timestamptz not null default now(),
  unique (candidate_id, version),
  unique (candidate_id, input_hash)
);

create table nominations (
  id bigserial primary key,
  candidate_id uuid not null references candidates (id),
  report_id bigint references reports (id),
  origin text not null check (origin in ('scan', 'region', 'npo')),
  nominated_by text,
  reason text,
  queue_job_id text not null unique,
  payload jsonb not null,
  enqueued_at timestamptz,
  created_at timestamptz not null default now()
);
create unique index nominations_one_per_report on nominations (report_id) where origin = 'scan';

-- Per-host politeness slots shared by every worker process on every machine.
create table host_throttle (
  host text primary key,
  next_at timestamptz not null
);
