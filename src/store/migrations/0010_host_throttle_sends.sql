-- Politeness spaces actual sends, not only reserved slots: a request that leaves later than its
-- slot would otherwise go out less than the host's interval before the next slot's request.
-- `held_until` keeps a host's Retry-After for requests whose slots were reserved before it came.
alter table host_throttle
  add column last_sent_at timestamptz,
  add column held_until timestamptz;
