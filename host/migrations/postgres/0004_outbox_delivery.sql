-- Delivery bookkeeping of the outbox dispatcher.
-- lease_until: a dispatcher that claimed an entry holds it until then; a
--   host killed mid-delivery loses its claim when the lease runs out, and
--   the entry is delivered again (the remote side ignores the repeat by the
--   entry's idempotency key).
-- delivered_at: when the remote system acknowledged it.
ALTER TABLE outbox ADD COLUMN lease_until TEXT;
ALTER TABLE outbox ADD COLUMN delivered_at TEXT;
-- The head of each dossier's queue is found by dossier and id.
CREATE INDEX outbox_dossier ON outbox (tenant_id, dossier_id, state, id);
