-- The list's band and status counts within a section ("new and coming" is the page the workbench
-- opens on): each is capped at 1,000 (src/store/workbench.ts `countMatches`) and, with only the
-- section's or the band's index, walked the rows of one until it found 1,000 of both — or all of
-- them, for a band the section barely has (0.8 s a request at 200,000 candidates, W7a). With both
-- columns in one index a capped count reads at most its cap.
create index candidate_rows_section_band on candidate_rows (section, band);
create index candidate_rows_section_status on candidate_rows (section, status);
create index candidate_rows_section_watched on candidate_rows (section) where watched;
