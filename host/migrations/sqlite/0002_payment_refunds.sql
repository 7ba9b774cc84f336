-- Why each refund was made (keep in step with ../postgres/0002_payment_refunds.sql).
-- A payment may be refunded in several parts, each for its own reason, so
-- refunds are rows of their own rather than a column of payments; seq
-- numbers them per payment from 1. Refunds made before this migration have
-- no row (their amounts stay in payments.refunded_vnd).
CREATE TABLE payment_refunds (
    tenant_id    TEXT NOT NULL,
    payment_id   TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    amount_vnd   INTEGER NOT NULL,
    reason       TEXT NOT NULL,
    refunded_by  TEXT NOT NULL,
    refunded_at  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, payment_id, seq),
    FOREIGN KEY (tenant_id, payment_id) REFERENCES payments (tenant_id, id)
);
