-- Drug events in a candidate's history (issue 18): under EU evaluation, a CHMP opinion, EU
-- approval, approval outside the EU, a TLV decision, a Nordic recommendation.
alter table candidate_history drop constraint candidate_history_kind_check;
alter table candidate_history add constraint candidate_history_kind_check
  check (kind in ('first-seen', 'new-source', 'certificate-issued', 'status-changed',
                  'trial-started', 'trial-completed', 'hta-published', 'safety-notice', 'merged',
                  'split', 'eu-evaluation', 'chmp-opinion', 'eu-approval', 'approved-abroad',
                  'tlv-decision', 'nordic-recommendation'));
