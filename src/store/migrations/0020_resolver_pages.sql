-- The resolver works a page at a time (src/domain/resolver.ts, src/store/resolution.ts): it looks
-- up a page's identifiers and name blocks in one statement and writes its decisions in a few.

-- One row per name a candidate is known by (with the maker's facts that decide whether a name
-- may link: maker, SRN, Basic UDI-DI, and whether the maker is only named by a notice), filed under two blocks — the model code with the first
-- letters of the name, and with its last letters — or, for a method, under the concepts of its
-- title. One row instead of one per block: a million registrations write a third of the rows.
create table candidate_names_v2 (
  candidate_id uuid not null references candidates (id),
  kind text not null,
  name_key text not null,
  maker_key text not null default '',
  srn text,
  basic_udi text,
  maker_named_only boolean not null default false,
  head text,
  tail text,
  concepts text[]
);
insert into candidate_names_v2 (candidate_id, kind, name_key, maker_key)
select distinct candidate_id, kind, name_key, manufacturer_key from candidate_names;
drop table candidate_names;
alter table candidate_names_v2 rename to candidate_names;
create unique index candidate_names_unique
  on candidate_names (candidate_id, kind, name_key, maker_key, coalesce(srn, ''), coalesce(basic_udi, ''));
create index candidate_names_head on candidate_names (head) where head is not null;
create index candidate_names_tail on candidate_names (tail) where tail is not null;
create index candidate_names_concepts on candidate_names using gin (concepts) where concepts is not null;

-- The names of items waiting for a candidate (the councils' lists never create one), filed the
-- same way.
create table deferred_names_v2 (
  item_id bigint not null references source_items (id),
  kind text not null,
  name_key text not null,
  maker_key text not null default '',
  srn text,
  basic_udi text,
  maker_named_only boolean not null default false,
  head text,
  tail text,
  concepts text[],
  reason text not null
);
insert into deferred_names_v2 (item_id, kind, name_key, maker_key, reason)
select distinct on (item_id, kind, name_key, manufacturer_key) item_id, kind, name_key, manufacturer_key, reason
from deferred_names order by item_id, kind, name_key, manufacturer_key, reason;
drop table deferred_names;
alter table deferred_names_v2 rename to deferred_names;
create unique index deferred_names_unique on deferred_names (item_id, kind, name_key, maker_key);
create index deferred_names_head on deferred_names (head) where head is not null;
create index deferred_names_tail on deferred_names (tail) where tail is not null;
create index deferred_names_concepts on deferred_names using gin (concepts) where concepts is not null;

-- A product name is compared with its maker, never trusted as an identifier on its own: two
-- makers' products may share a trade name. Names live in candidate_names only.
delete from candidate_keys where scheme = 'product';
delete from deferred_links where scheme = 'product';

-- The settings the stored blocks were computed with. Null (as after this migration) or another
-- version makes the next start file every stored name again (src/store/resolution.ts
-- `refreshNameBlocks`): blocks follow the resolution settings, never the other way round.
create table resolution_blocks (
  singleton boolean primary key default true check (singleton),
  version text
);
insert into resolution_blocks (version) values (null);
