-- Cross-source identity resolution: fuzzy links by blocking, merges (automatic and manual),
-- manual splits remembered as item pins and separations, possible duplicates for a reviewer,
-- and each candidate's history.

-- A merged candidate stays (decisions and reports refer to it) but points at the one it was
-- merged into; lists show only candidates that are not merged.
alter table candidates add column merged_into uuid references candidates (id);
create index candidates_merged_into on candidates (merged_into) where merged_into is not null;

-- Which identity of the item produced the link (`scheme:value` of its first key), so a split can
-- pin exactly that link and leave the item's links to other products alone.
alter table evidence add column identity_key text;
-- The item's market or trial status when it was last linked: a change is a history event.
alter table evidence add column observed_status text;

-- The names a candidate is known by, one row per blocking key: fuzzy matching compares a new
-- name only with the names that share a block, never with every candidate.
create table candidate_names (
  block text not null,
  candidate_id uuid not null references candidates (id),
  name_key text not null,
  manufacturer_key text not null default '',
  kind text not null,
  primary key (block, candidate_id, name_key, manufacturer_key)
);
create index candidate_names_candidate on candidate_names (candidate_id);

-- The names of items waiting for a candidate (the councils' lists never create one), by block,
-- so that a candidate with a similar name, not only one with the same key, picks them up
-- whichever arrives first.
create table deferred_names (
  block text not null,
  item_id bigint not null references source_items (id),
  name_key text not null,
  manufacturer_key text not null default '',
  kind text not null,
  reason text not null,
  primary key (block, item_id, name_key)
);

-- A manual split: this identity of this item belongs to that candidate, whatever the keys say.
create table resolution_pins (
  item_id bigint not null references source_items (id),
  identity_key text not null,
  candidate_id uuid not null references candidates (id),
  decided_by text not null,
  decided_at timestamptz not null default now(),
  primary key (item_id, identity_key)
);

-- Two candidates a person said are different products: never merged automatically.
create table candidate_separations (
  candidate_a uuid not null references candidates (id),
  candidate_b uuid not null references candidates (id),
  decided_by text not null,
  reason text,
  decided_at timestamptz not null default now(),
  primary key (candidate_a, candidate_b),
  check (candidate_a < candidate_b)
);

-- Pairs whose similarity lies between the thresholds: kept apart, shown to a reviewer.
create table possible_duplicates (
  candidate_a uuid not null references candidates (id),
  candidate_b uuid not null references candidates (id),
  score real not null,
  reason text not null,
  created_at timestamptz not null default now(),
  primary key (candidate_a, candidate_b),
  check (candidate_a < candidate_b)
);

-- Every merge and split, automatic or manual, with who and why: the resolution audit trail.
create table resolution_log (
  id bigserial primary key,
  action text not null check (action in ('merge', 'split', 'separate')),
  automatic boolean not null,
  candidate_id uuid not null references candidates (id),
  other_candidate_id uuid not null references candidates (id),
  item_ids bigint[] not null default '{}',
  actor text not null,
  reason text not null,
  client_request_id uuid unique,
  created_at timestamptz not null default now()
);
create index resolution_log_candidate on resolution_log (candidate_id, id);
create index resolution_log_other on resolution_log (other_candidate_id, id);

-- What happened to a candidate in the world (first seen, a new source, a certificate, a status
-- change, a trial, an HTA report, a safety notice), dated by the source where it says so.
-- `event_key` makes recording an event twice (a re-run job) one event.
create table candidate_history (
  id bigserial primary key,
  event_key text not null unique,
  candidate_id uuid not null references candidates (id),
  kind text not null check (kind in ('first-seen', 'new-source', 'certificate-issued', 'status-changed',
                                     'trial-started', 'trial-completed', 'hta-published',
                                     'safety-notice', 'merged', 'split')),
  item_id bigint references source_items (id),
  source_id text,
  run_id uuid references runs (id),
  occurred_on text,
  details jsonb not null default '{}',
  created_at timestamptz not null default now()
);
create index candidate_history_candidate on candidate_history (candidate_id, id);
