-- The workbench's part of the schema: separate database roles with grants, and subscriptions
-- that belong to a workbench account and can be paused.

-- 1. Subscriptions made in the workbench belong to the account that made it (NULL for those
-- made with the CLI); a paused subscription matches no new events (its Atom feed still reads).
alter table subscriptions
  add column owner_user_id uuid references users (id),
  add column paused_at timestamptz,
  add column updated_at timestamptz not null default now();
create index subscriptions_owner on subscriptions (owner_user_id);

-- 2. Two NOLOGIN roles the application switches to per connection pool (HORISONT_DB_WEB_ROLE,
-- HORISONT_DB_INGEST_ROLE; docs/operations.md). The triggers refuse changes to decisions for
-- every role; these grants make the database refuse them before any trigger runs:
--   horisont_web     reads everything, writes what the workbench writes, and may only INSERT and
--                    SELECT decisions, notes and the audit log (never UPDATE, DELETE, TRUNCATE);
--   horisont_ingest  the pipeline and alert relay: writes ingestion and alert tables, reads the
--                    workbench's tables and cannot write decisions, notes, accounts or the log.
-- Roles are cluster-wide and every schema (every test file has its own) runs this migration,
-- possibly at the same moment: creation is serialised by an advisory lock and a lost race is
-- ignored. A migrating login without CREATEROLE skips creation; grants go to whichever roles exist.
do $$
declare
  r text;
  s text := quote_ident(current_schema());
begin
  perform pg_advisory_xact_lock(hashtextextended('horisont: database roles', 0));
  foreach r in array array['horisont_web', 'horisont_ingest'] loop
    if not exists (select 1 from pg_roles where rolname = r) then
      begin
        execute format('create role %I nologin', r);
      exception
        when duplicate_object or unique_violation then null;
        when insufficient_privilege then
          raise notice 'cannot create role % (no CREATEROLE); create it and run the grants by hand', r;
      end;
    end if;
  end loop;

  if exists (select 1 from pg_roles where rolname = 'horisont_web') then
    execute format('grant usage on schema %s to horisont_web', s);
    execute format('grant select, insert, update, delete on all tables in schema %s to horisont_web', s);
    execute format('grant usage, select on all sequences in schema %s to horisont_web', s);
    execute 'revoke update, delete, truncate on decisions, candidate_notes, audit_log from horisont_web';
    -- Tables added by later migrations: the same, unless that migration says otherwise.
    execute format('alter default privileges in schema %s grant select, insert, update, delete on tables to horisont_web', s);
    execute format('alter default privileges in schema %s grant usage, select on sequences to horisont_web', s);
  end if;

  if exists (select 1 from pg_roles where rolname = 'horisont_ingest') then
    execute format('grant usage on schema %s to horisont_ingest', s);
    execute format('grant select, insert, update, delete on all tables in schema %s to horisont_ingest', s);
    execute format('grant usage, select on all sequences in schema %s to horisont_ingest', s);
    execute 'revoke insert, update, delete, truncate on decisions, candidate_state, candidate_notes, audit_log,
             users, api_tokens, sessions from horisont_ingest';
    execute format('alter default privileges in schema %s grant select, insert, update, delete on tables to horisont_ingest', s);
    execute format('alter default privileges in schema %s grant usage, select on sequences to horisont_ingest', s);
  end if;
end
$$;
