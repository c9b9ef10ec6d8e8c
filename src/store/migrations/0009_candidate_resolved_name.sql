-- The name resolution gives a candidate (the least of its items' names, so it does not depend on
-- arrival order), kept apart from `name`, which the score stage derives from the evidence (a
-- registry's trade name first) and which pages show: two writers of one column undid each other.
-- Null means the name the candidate was created with.
alter table candidates add column resolved_name text;
