-- Backfill: a run may override some of a source's configured options for itself alone (a
-- backfill pages through a whole registry: `{"maxPages": 20000}`). Null for ordinary runs. Set
-- when the run is opened and never changed, so every fetch and parse job of the run, on any
-- machine and after any restart, reads the same options.
alter table run_sources add column options jsonb;
