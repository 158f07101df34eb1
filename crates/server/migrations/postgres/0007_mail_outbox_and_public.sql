-- The mail outbox and public reports (issue 11). The SQLite migration of the
-- same number creates the same schema; see the comments there.
CREATE TABLE mail_outbox (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    dedup_key TEXT NOT NULL UNIQUE,
    report_id TEXT REFERENCES reports (id),
    content_hash TEXT,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at_ms BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until_ms BIGINT NOT NULL DEFAULT 0,
    last_answer TEXT,
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL,
    sent_at_ms BIGINT
);
CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at_ms);
CREATE INDEX mail_outbox_by_time ON mail_outbox (created_at_ms);

CREATE TABLE public_reports (
    report_id TEXT PRIMARY KEY REFERENCES reports (id),
    published_by BIGINT REFERENCES users (id),
    published_at_ms BIGINT NOT NULL
);
CREATE INDEX public_reports_by_time ON public_reports (published_at_ms);

-- Mail recipients an admin set in the Command Center; they replace the ones
-- from flags and environment while present. One row, key 'recipients'.
CREATE TABLE mail_settings (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL,
    updated_by BIGINT REFERENCES users (id),
    updated_at_ms BIGINT NOT NULL
);
