-- `horisont rescore` (src/app/rescore.ts) judges every candidate in batches and stages what
-- changed here, committing each batch with its progress, then switches all candidates to the
-- staged scores in one transaction: readers see the old scores or the new, never a mix, and a
-- run that stops (a crash, Ctrl-C) continues where it stopped when started again with the same
-- criteria and day.
create table rescore_runs (
  id bigserial primary key,
  criteria_version text not null,
  as_of date not null,
  -- sha256 of the scoring configuration: a run continues only under the same judgement.
  config_hash text not null,
  -- The last candidate judged (candidates are judged in id order).
  after_candidate uuid,
  judged integer not null default 0,
  started_at timestamptz not null default now(),
  finished_at timestamptz
);

create table rescore_results (
  run_id bigint not null references rescore_runs (id) on delete cascade,
  candidate_id uuid not null,
  -- The current score when judged: a candidate the score stage has scored since keeps that score.
  based_on bigint,
  criteria_version text not null,
  input_hash text not null,
  total integer not null,
  band text not null,
  council text not null,
  nominate boolean not null,
  stage text,
  process_status text,
  result jsonb not null,
  name text not null,
  manufacturer text,
  kind text not null,
  identifiers jsonb not null,
  rejudge_on date,
  primary key (run_id, candidate_id)
);
