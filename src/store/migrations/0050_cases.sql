-- Cases (ärenden): what happens after a nomination. A case holds one product or method for one
-- council, the parties that nominated it, and an append-only list of events (taken up, the
-- decision on national collaboration, assessments ordered, recommendations, follow-up,
-- reconsideration, closed); `cases.state` is the projection of those events, written only in
-- the transaction that appends the event it reflects (as candidate_state is for decisions).

-- Nominations from outside the scan, and companies' signals, are source items of their own so
-- that identity resolution links them exactly like scanned items. They are not configured
-- sources: never scheduled, never fetched.
insert into sources (id, adapter, enabled) values
  ('nominations', 'manual', false),
  ('company-signals', 'manual', false)
on conflict (id) do nothing;

-- A profession (a professional association) may nominate too.
alter table nominations drop constraint nominations_origin_check;
alter table nominations add constraint nominations_origin_check
  check (origin in ('scan', 'region', 'npo', 'profession'));
alter table decisions drop constraint decisions_origin_check;
alter table decisions add constraint decisions_origin_check
  check (origin in ('scan', 'region', 'npo', 'profession'));

-- The last case number handed out per year (HOR-2026-0042); a row lock serialises the count.
create table case_numbers (
  year integer primary key,
  last integer not null
);

create table cases (
  id uuid primary key default gen_random_uuid(),
  case_number text not null unique check (case_number ~ '^HOR-[0-9]{4}-[0-9]{4,}$'),
  origin text not null check (origin in ('scan', 'region', 'npo', 'profession', 'council-list')),
  -- The candidate the nomination resolved to; a later merge is followed through merged_into.
  -- Cases imported from a council's list have none: their candidate is whichever one the list's
  -- item is linked to (it may be linked only later).
  candidate_id uuid references candidates (id),
  council_item_id bigint unique references source_items (id),
  title text not null check (length(title) between 1 and 500),
  manufacturer text check (length(manufacturer) <= 500),
  subject_kind text not null check (subject_kind in ('device', 'ivd', 'drug', 'method')),
  indication text check (length(indication) <= 2000),
  status text not null check (status in ('nominated', 'taken-up', 'omfattas', 'omfattas-inte',
                                         'assessment-ordered', 'recommended', 'follow-up',
                                         'reconsideration', 'closed', 'handled-by-council')),
  version integer not null check (version > 0),
  state jsonb not null,
  is_public boolean not null default false,
  opened_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check ((origin = 'council-list') = (council_item_id is not null)),
  check (origin = 'council-list' or candidate_id is not null)
);
create index cases_candidate on cases (candidate_id);
create index cases_status on cases (status);
create index cases_public on cases (updated_at desc) where is_public;

-- Who nominated: the first party opened the case, later ones (another region asking for the same
-- product and use) joined it. The contact person lives only in the party's subscription (name and
-- address, used to tell them of every change), so an unsubscribe erases them everywhere.
create table case_parties (
  id bigserial primary key,
  case_id uuid not null references cases (id),
  origin text not null check (origin in ('scan', 'region', 'npo', 'profession')),
  party text not null check (length(party) between 1 and 200),
  region text check (length(region) <= 200),
  reason text check (length(reason) <= 10000),
  nomination_id bigint references nominations (id),
  item_id bigint references source_items (id),
  subscription_id uuid references subscriptions (id) on delete set null,
  client_request_id uuid unique,
  created_at timestamptz not null default now()
);
create index case_parties_case on case_parties (case_id, id);

-- Every change to a case, never changed. `payload` is the public record of the change (the
-- action's fields); `comment` and the actor are internal.
create table case_events (
  id bigserial primary key,
  case_id uuid not null references cases (id),
  version integer not null check (version > 0),
  action text not null check (action in ('open', 'add-party', 'import', 'take-up', 'decide',
                                         'order-assessment', 'recommend', 'set-follow-up', 'reconsider',
                                         'close', 'acknowledge-review', 'set-procurement',
                                         'add-consequence-analysis')),
  payload jsonb not null,
  comment text check (length(comment) <= 10000),
  actor_id uuid references users (id),
  actor_name text not null,
  actor_role text not null,
  client_request_id uuid unique,
  request_id text,
  before jsonb,
  after jsonb not null,
  is_public boolean not null,
  created_at timestamptz not null default now(),
  unique (case_id, version)
);
create index case_events_public on case_events (id desc) where is_public;
create trigger case_events_append_only before update or delete on case_events
  for each row execute function horisont_refuse_change();
create trigger case_events_no_truncate before truncate on case_events
  for each statement execute function horisont_refuse_change();

-- Alerts: a case's change is an event of its candidate, delivered through the same outbox.
alter table candidate_events drop constraint candidate_events_kind_check;
alter table candidate_events add constraint candidate_events_kind_check
  check (kind in ('new-candidate', 'band-raised', 'new-evidence', 'nominated', 'case-changed',
                  'source-broken', 'run-failed'));

-- The roles of 0008: case events are append-only for everyone, as decisions are.
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'horisont_web') then
    execute 'revoke update, delete, truncate on case_events from horisont_web';
  end if;
  if exists (select 1 from pg_roles where rolname = 'horisont_ingest') then
    execute 'revoke update, delete, truncate on case_events from horisont_ingest';
  end if;
end
$$;
