-- Search finds misspelt words (src/store/search.ts) with pg_trgm's word_similarity. pg_trgm is
-- in PostgreSQL's contrib (the Debian and Homebrew packages, the postgres image and
-- embedded-postgres ship it) and is a trusted extension: the database's owner may create it.
--
-- An extension belongs to the database, not to one schema: it goes to `public`, which every
-- Horisont schema's queries name, and migrations of two schemas running at once must not both
-- create it, hence the lock (held to the end of this transaction).
select pg_advisory_xact_lock(hashtext('horisont:create-extension:pg_trgm'));

do $$
declare
  installed_in text;
begin
  select n.nspname into installed_in
  from pg_extension e join pg_namespace n on n.oid = e.extnamespace
  where e.extname = 'pg_trgm';
  if installed_in is not null and installed_in <> 'public' then
    raise exception 'pg_trgm is installed in schema %; Horisont calls it in public (ALTER EXTENSION pg_trgm SET SCHEMA public)', installed_in;
  end if;
end $$;

create extension if not exists pg_trgm with schema public;
