-- Topic subscriptions and alerts. Events are written in the same transaction as the score or
-- report they describe, and so are the outbox rows of the subscriptions they match: an alert
-- exists exactly when its cause was committed, and a relay delivers it afterwards.

create table subscriptions (
  id uuid primary key default gen_random_uuid(),
  -- What the subscriber calls it ("NPO Endokrina sjukdomar: diabetesprodukter").
  name text not null check (length(name) between 1 and 200),
  owner_name text not null check (length(owner_name) between 1 and 200),
  -- Personal data: only ever used as a recipient, never logged. Required for e-mail channels.
  owner_email text check (length(owner_email) <= 254),
  -- NPOs, keywords, EMDN prefixes, councils, minimum band, sources, event kinds (src/alerts/filter.ts).
  filter jsonb not null,
  channel text not null check (channel in ('email', 'email-daily', 'email-weekly', 'webhook', 'atom')),
  webhook_url text check (length(webhook_url) <= 2048),
  -- Standard Webhooks secret (`whsec_…`); kept as is because every delivery is signed with it.
  webhook_secret text,
  -- The Atom feed is reached at /feeds/<token>.atom; only a SHA-256 of the token is stored.
  feed_token_hash text unique,
  -- In every e-mail's unsubscribe link, so it must be kept as is.
  unsubscribe_token text not null unique,
  created_at timestamptz not null default now(),
  check (channel not in ('email', 'email-daily', 'email-weekly') or owner_email is not null),
  check (channel <> 'webhook' or (webhook_url is not null and webhook_secret is not null)),
  check (channel <> 'atom' or feed_token_hash is not null)
);

-- What happened to a candidate (first score, band raised, new evidence, nominated), and the
-- operator's events (a source broke, a run failed; no candidate). `event_key` is the natural
-- key that makes recording an event twice (a re-run job) one event.
create table candidate_events (
  id bigserial primary key,
  event_key text not null unique,
  kind text not null check (kind in ('new-candidate', 'band-raised', 'new-evidence', 'nominated',
                                     'source-broken', 'run-failed')),
  candidate_id uuid references candidates (id),
  run_id uuid references runs (id),
  source_id text,
  score_id bigint references scores (id),
  -- Evidence at the time of the event (`item_id:content_hash`), so the next event can say what
  -- is new; the fingerprint is its hash.
  evidence_fingerprint text,
  evidence_state text[],
  -- What the alert shows, as it was when the event happened (name, band, new evidence, …).
  details jsonb not null,
  created_at timestamptz not null default now(),
  check ((candidate_id is null) = (kind in ('source-broken', 'run-failed')))
);
create index candidate_events_candidate on candidate_events (candidate_id, id);

-- One message to one subscription: a single alert, a storm collapsed into one digest, or a
-- daily/weekly digest. Its id is the e-mail Message-ID and the webhook-id, so every retry of it
-- is recognisably the same message.
create table alert_deliveries (
  id bigserial primary key,
  subscription_id uuid not null references subscriptions (id) on delete cascade,
  delivery_key text not null,
  kind text not null check (kind in ('single', 'storm', 'digest')),
  status text not null default 'pending' check (status in ('pending', 'sent', 'failed')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  -- A relay that claimed it holds it until then; a relay that died lets it go by itself.
  claimed_until timestamptz,
  -- Error kind and status code only: SMTP replies and receiver bodies can carry addresses.
  last_error text,
  created_at timestamptz not null default now(),
  sent_at timestamptz,
  unique (subscription_id, delivery_key)
);
create index alert_deliveries_due on alert_deliveries (next_attempt_at) where status = 'pending';

-- The transactional outbox: at most one row per subscription and event, written with the event.
create table alert_outbox (
  id bigserial primary key,
  subscription_id uuid not null references subscriptions (id) on delete cascade,
  event_id bigint not null references candidate_events (id),
  candidate_id uuid,
  run_id uuid,
  -- pending: waiting for a delivery; assigned: part of `delivery_id`; feed: shown in an Atom feed.
  status text not null default 'pending' check (status in ('pending', 'assigned', 'feed')),
  delivery_id bigint references alert_deliveries (id) on delete set null,
  created_at timestamptz not null default now(),
  unique (subscription_id, event_id)
);
create index alert_outbox_pending on alert_outbox (subscription_id, id) where status = 'pending';
create index alert_outbox_delivery on alert_outbox (delivery_id);
create index alert_outbox_feed on alert_outbox (subscription_id, id desc) where status = 'feed';

-- The band of each candidate's current score as the alerts last saw it, so "band raised" compares
-- with the score that was current before (kept by the score transaction, under the candidate lock).
create table alert_candidate_state (
  candidate_id uuid primary key references candidates (id),
  score_id bigint not null references scores (id),
  band text not null,
  updated_at timestamptz not null default now()
);

-- Completed runs whose source and run failures have been turned into operator events.
create table alert_runs_checked (
  run_id uuid primary key references runs (id),
  checked_at timestamptz not null default now()
);

-- Wakes relays as soon as alerts may be due: new outbox rows, and a run's completion (alerts of a
-- run are held until it completes so a storm can be told from a trickle). NOTIFY is sent only at
-- commit; the payload names the schema so test schemas on one server do not wake each other.
create function horisont_alerts_notify() returns trigger language plpgsql as $$
begin
  perform pg_notify('horisont_alerts', current_schema());
  return null;
end
$$;
create trigger alert_outbox_notify after insert on alert_outbox
  for each statement execute function horisont_alerts_notify();
create trigger runs_completed_notify after update of status on runs
  for each row when (new.status = 'completed' and old.status is distinct from 'completed')
  execute function horisont_alerts_notify();
