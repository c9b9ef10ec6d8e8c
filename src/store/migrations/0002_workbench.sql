-- The beredning's workbench: accounts, sessions, API tokens, append-only decisions and an
-- append-only, hash-chained audit log. Ingestion never writes any of these tables.

create table users (
  id uuid primary key default gen_random_uuid(),
  -- Local login name, or `oidc:<issuer-claim>` for accounts created at OIDC sign-in.
  username text not null check (username ~ '^[A-Za-z0-9._@:+-]{2,200}$'),
  display_name text not null check (length(display_name) between 1 and 200),
  role text not null check (role in ('viewer', 'reviewer', 'admin')),
  -- `scrypt$N$r$p$salt$hash` (node:crypto scrypt); null for accounts that only sign in with OIDC.
  password_hash text,
  auth_source text not null default 'local' check (auth_source in ('local', 'oidc')),
  disabled boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index users_username on users (lower(username));

-- Bearer tokens for the JSON API. Only a SHA-256 of the (256-bit random) secret is stored.
create table api_tokens (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id),
  name text not null default '',
  token_hash text not null unique,
  -- The first characters of the token, so an operator can tell tokens apart without the secret.
  token_prefix text not null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  expires_at timestamptz,
  revoked_at timestamptz
);

-- Server-side sessions. The cookie holds a random id; only its SHA-256 is stored. A session
-- without a user is the anonymous pre-login session that carries the login form's CSRF token
-- (and, for OIDC, the pending state, nonce and PKCE verifier).
create table sessions (
  id_hash text primary key,
  user_id uuid references users (id),
  csrf_token text not null,
  auth_method text check (auth_method in ('password', 'oidc')),
  pending jsonb,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index sessions_expiry on sessions (expires_at);

create function horisont_refuse_change() returns trigger language plpgsql as $$
begin
  raise exception '% is append-only: % refused', tg_table_name, tg_op
    using errcode = 'insufficient_privilege', hint = 'Record a new row instead.';
end
$$;

-- Every reviewer action on a candidate, one row each, never changed. `version` is the candidate's
-- decision version this row creates: UNIQUE (candidate_id, version) makes two reviewers acting on
-- the same version impossible even without the application's check.
create table decisions (
  id bigserial primary key,
  candidate_id uuid not null references candidates (id),
  version integer not null check (version > 0),
  action text not null check (action in ('nominate', 'dismiss', 'watch', 'unwatch', 'reopen')),
  reason_code text,
  comment text check (length(comment) <= 10000),
  origin text check (origin in ('scan', 'region', 'npo')),
  on_behalf_of text check (length(on_behalf_of) <= 200),
  actor_id uuid not null references users (id),
  actor_name text not null,
  actor_role text not null,
  client_request_id uuid not null unique,
  request_id text,
  before jsonb not null,
  after jsonb not null,
  nomination_id bigint references nominations (id),
  prev_decision_id bigint references decisions (id),
  created_at timestamptz not null default now(),
  unique (candidate_id, version),
  check (action <> 'dismiss' or reason_code is not null)
);
create index decisions_candidate on decisions (candidate_id, version);
create trigger decisions_append_only before update or delete on decisions
  for each row execute function horisont_refuse_change();
create trigger decisions_no_truncate before truncate on decisions
  for each statement execute function horisont_refuse_change();

-- The current decision state per candidate, written only in the transaction that appends the
-- decision it reflects. No row means: open, not watched, version 0.
create table candidate_state (
  candidate_id uuid primary key references candidates (id),
  status text not null check (status in ('open', 'nominated', 'dismissed')),
  watched boolean not null,
  version integer not null,
  reason_code text,
  last_decision_id bigint not null references decisions (id),
  updated_at timestamptz not null default now()
);
create index candidate_state_status on candidate_state (status);

create table candidate_notes (
  id bigserial primary key,
  candidate_id uuid not null references candidates (id),
  author_id uuid not null references users (id),
  author_name text not null,
  body text not null check (length(body) between 1 and 10000),
  client_request_id uuid not null unique,
  created_at timestamptz not null default now()
);
create index candidate_notes_candidate on candidate_notes (candidate_id, id);
create trigger candidate_notes_append_only before update or delete on candidate_notes
  for each row execute function horisont_refuse_change();
create trigger candidate_notes_no_truncate before truncate on candidate_notes
  for each statement execute function horisont_refuse_change();

-- Who did what, when, with the state before and after: decisions, notes, sign-ins, refused
-- attempts, account changes. Each row's hash covers the previous row's hash, so a changed or
-- removed row breaks the chain (verified by horisont_audit_broken_links()).
create table audit_log (
  id bigserial primary key,
  seq bigint not null unique,
  at timestamptz not null default now(),
  actor_id uuid references users (id),
  actor_name text,
  actor_role text,
  action text not null,
  subject_type text,
  subject_id text,
  before jsonb,
  after jsonb,
  details jsonb,
  request_id text,
  ip_hash text,
  prev_hash text,
  row_hash text not null
);
create index audit_log_subject on audit_log (subject_type, subject_id, seq);
create index audit_log_at on audit_log (at);

create function horisont_audit_hash(prev text, r audit_log) returns text language sql immutable
  set search_path from current as $$
  select encode(sha256(convert_to(coalesce(prev, '') || '|' || jsonb_build_object(
    'seq', r.seq, 'at_us', (extract(epoch from r.at) * 1000000)::bigint, 'actor_id', r.actor_id,
    'actor_name', r.actor_name, 'actor_role', r.actor_role, 'action', r.action,
    'subject_type', r.subject_type, 'subject_id', r.subject_id, 'before', r.before, 'after', r.after,
    'details', r.details, 'request_id', r.request_id, 'ip_hash', r.ip_hash)::text, 'UTF8')), 'hex')
$$;

create function horisont_audit_chain() returns trigger language plpgsql
  set search_path from current as $$
declare
  last record;
begin
  -- Held until commit, so rows join the chain in commit order and no two share a predecessor.
  perform pg_advisory_xact_lock(hashtextextended('horisont audit_log chain', 0));
  select seq, row_hash into last from audit_log order by seq desc limit 1;
  new.seq := coalesce(last.seq, 0) + 1;
  new.prev_hash := last.row_hash;
  new.row_hash := horisont_audit_hash(last.row_hash, new);
  return new;
end
$$;
create trigger audit_log_chain before insert on audit_log
  for each row execute function horisont_audit_chain();
create trigger audit_log_append_only before update or delete on audit_log
  for each row execute function horisont_refuse_change();
create trigger audit_log_no_truncate before truncate on audit_log
  for each statement execute function horisont_refuse_change();

-- Rows whose hash or link does not match (empty when the log is intact).
create function horisont_audit_broken_links() returns table (seq bigint, problem text) language sql stable
  set search_path from current as $$
  select t.seq, t.problem from (
    select a.seq,
           case when a.row_hash <> horisont_audit_hash(a.prev_hash, a) then 'row_hash'
                when a.prev_hash is distinct from lag(a.row_hash) over w then 'prev_hash'
                when a.seq <> coalesce(lag(a.seq) over w, 0) + 1 then 'gap' end as problem
    from audit_log a
    window w as (order by a.seq)) t
  where t.problem is not null
  order by t.seq
$$;

-- Manual nominations from the workbench or the CLI: a reviewer may nominate a report that the
-- scan already queued, so the one-per-report rule now covers only the automatic ones.
alter table nominations add column client_request_id text unique;
drop index nominations_one_per_report;
create unique index nominations_one_per_report on nominations (report_id)
  where origin = 'scan' and nominated_by is null;

-- Free text search in Swedish over names, manufacturers and evidence titles.
create index candidates_fts on candidates
  using gin (to_tsvector('swedish', name || ' ' || coalesce(manufacturer, '')));
create index source_items_fts on source_items using gin (to_tsvector('swedish', title));
create index candidates_created on candidates (created_at);
