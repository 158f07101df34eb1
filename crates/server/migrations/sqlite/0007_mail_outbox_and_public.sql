-- The mail outbox (issue 11): every mail the server owes someone, written in
-- the same transaction as what causes it (an approval, an urgent incident
-- report, the day's digest), and sent by a worker that leases one row at a
-- time. The PostgreSQL migration of the same number creates the same schema.
CREATE TABLE mail_outbox (
    id INTEGER PRIMARY KEY NOT NULL,
    -- 'approved', 'urgent' or 'digest'.
    kind TEXT NOT NULL,
    -- One mail per cause: 'approved:<report>:<content hash>',
    -- 'urgent:<report>', 'digest:<YYYY-MM-DD>'. Two servers enqueueing the
    -- same cause make one row.
    dedup_key TEXT NOT NULL UNIQUE,
    report_id TEXT REFERENCES reports (id),
    content_hash TEXT,
    -- 'pending', 'sent', 'dead' (gave up; an admin may send again) or
    -- 'skipped' (the report was no longer approved when its turn came).
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at_ms INTEGER NOT NULL,
    -- Which server process holds the row, and until when.
    lease_owner TEXT,
    lease_until_ms INTEGER NOT NULL DEFAULT 0,
    -- The SMTP server's last answer (or why nothing could be sent).
    last_answer TEXT,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    sent_at_ms INTEGER
) STRICT;
CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at_ms);
CREATE INDEX mail_outbox_by_time ON mail_outbox (created_at_ms);

-- Approved reports a reviewer made public (keterbukaan informasi publik).
-- The public page shows a report only while it is still approved.
CREATE TABLE public_reports (
    report_id TEXT PRIMARY KEY NOT NULL REFERENCES reports (id),
    published_by INTEGER REFERENCES users (id),
    published_at_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX public_reports_by_time ON public_reports (published_at_ms);

-- Mail recipients an admin set in the Command Center; they replace the ones
-- from flags and environment while present. One row, key 'recipients'.
CREATE TABLE mail_settings (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL,
    updated_by INTEGER REFERENCES users (id),
    updated_at_ms INTEGER NOT NULL
) STRICT;
