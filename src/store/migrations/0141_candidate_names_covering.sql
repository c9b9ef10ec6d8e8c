-- The resolver's lookup reads every name of a page's head and tail blocks with the maker's facts
-- it compares them by (src/store/resolution.ts LOOKUP). Through an index of the block alone that
-- was one heap fetch per name, at a random page of a table larger than the buffer cache at a
-- million names (≈ 690 blocks read a page of a night's delta). With the facts in the index, a
-- block's names sit together in its leaf pages and the lookup reads no heap page wherever the
-- table is all-visible (vacuumed, as autovacuum keeps a table that only grows).
create index candidate_names_head_facts on candidate_names (head)
  include (candidate_id, kind, name_key, maker_key, srn, basic_udi, maker_named_only) where head is not null;
create index candidate_names_tail_facts on candidate_names (tail)
  include (candidate_id, kind, name_key, maker_key, srn, basic_udi, maker_named_only) where tail is not null;
drop index candidate_names_head;
drop index candidate_names_tail;
