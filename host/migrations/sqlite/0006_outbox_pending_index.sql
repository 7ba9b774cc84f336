-- The dispatcher's claim walks pending entries in id order and checks that
-- no older entry of the same dossier and kind is pending. Partial indexes
-- hold only pending entries, so a claim costs the same with 30,000 entries
-- waiting or with millions delivered. outbox_due (tenant, state, due time)
-- led the planners to read and sort every due entry before the LIMIT.
DROP INDEX outbox_due;
CREATE INDEX outbox_pending ON outbox (tenant_id, id) WHERE state = 'pending';
CREATE INDEX outbox_pending_dossier ON outbox (tenant_id, dossier_id, kind, id)
    WHERE state = 'pending';
