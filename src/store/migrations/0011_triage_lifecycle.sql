-- Triage judges as of a day (issue 16): a run carries the day it judges (its own date unless a
-- replay asks for an earlier one), and a score records the lifecycle stage and the process status
-- it found, so lists can be filtered and split without reading the result JSON.
alter table runs add column as_of date;

alter table scores add column stage text;
alter table scores add column process_status text;

create index scores_stage_idx on scores (stage);

-- The day a candidate's judgement would change on the same evidence (a dated fact leaving the
-- fresh or the entry window): the run of that day or later scores it again.
alter table candidates add column rejudge_on date;
create index candidates_rejudge_on_idx on candidates (rejudge_on) where rejudge_on is not null;
