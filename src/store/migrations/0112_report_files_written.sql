-- When a report version's files (Markdown, JSON, HTML) were all on disk. A report is committed
-- before its files are written; a job that then fails for good (a report directory it may not
-- write, a disk full longer than its retries) used to leave the version stored and its files
-- missing for ever, since later runs plan report jobs only for inputs without a stored report.
-- Now they also plan the versions whose files are not known to be written.
alter table reports add column files_written_at timestamptz;
-- Versions stored before this column: their jobs completed, so their files were written.
update reports set files_written_at = created_at;
create index reports_files_unwritten on reports (candidate_id) where files_written_at is null;
