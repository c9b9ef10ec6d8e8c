-- The list's status and watched counts within a band (a band filter, as with a programme area:
-- W7b), each capped at 1,000 (src/store/workbench.ts `countMatches`): with only the band's or
-- the status's index, a capped count walked candidate_rows by key filtering both (the plans
-- test's walk below a join). As migration 0111 does for the sections.
create index candidate_rows_band_status on candidate_rows (band, status);
create index candidate_rows_band_watched on candidate_rows (band) where watched;
