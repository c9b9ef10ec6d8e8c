-- The band and status index (migration 0120) carries the watched flag and the candidate: a
-- filtered list's count (a band with a programme area: W7b) reads band, status and watched of
-- each row it joins to the programme area by id, and read them from the table's pages (14,000
-- rows, 3,100 pages for 2,000 matches at 200,000 candidates: 37 of the count's 69 ms); from
-- the index alone it reads no table page (Index Only Scan, on a vacuumed table).
drop index candidate_rows_band_status;
create index candidate_rows_band_status on candidate_rows (band, status) include (watched, candidate_id);
