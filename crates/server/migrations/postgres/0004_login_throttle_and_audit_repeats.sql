-- Hardening (issue 12). The SQLite migration of the same number creates the
-- same schema.
--
-- A login attempt is recorded before its password is checked, so parallel
-- guesses cannot all be evaluated. Refused attempts (a locked name, a
-- throttled address) count toward the per-address limit but not toward a
-- name's lock. Rows older than the window are pruned by time.
ALTER TABLE login_failures ADD COLUMN counts_for_account INTEGER NOT NULL DEFAULT 1;
CREATE INDEX login_failures_by_time ON login_failures (at_ms);

-- Repeated audit events (the same failed login from the same address) are
-- coalesced: the first within a window gets its audit_log row, later ones
-- only raise the count here, so a flood cannot push real events out of
-- view. The audit log itself stays append-only.
CREATE TABLE audit_repeats (
    audit_id BIGINT PRIMARY KEY REFERENCES audit_log (id),
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    client TEXT NOT NULL,
    first_at_ms BIGINT NOT NULL,
    last_at_ms BIGINT NOT NULL,
    repeats BIGINT NOT NULL
);
CREATE INDEX audit_repeats_by_key ON audit_repeats (action, subject, client, first_at_ms);
