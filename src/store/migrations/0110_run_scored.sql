-- Which candidates a run has planned to score, and on what basis (their evidence fingerprint, a
-- council list change, the day of a re-judging). Score jobs carry a page of candidates; this
-- keeps a candidate from being planned twice in a run on the same basis — a resolve job that runs
-- again plans nothing new — the way one job id per candidate and fingerprint used to.
create table run_scored (
  run_id uuid not null references runs (id),
  candidate_id uuid not null,
  basis text not null,
  primary key (run_id, candidate_id, basis)
);
