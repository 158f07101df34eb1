-- Accounts, sessions, reviews, photos and the audit log (issue 4).
-- The SQLite migration of the same number creates the same schema; see the
-- comments there.

CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    scope_kind TEXT NOT NULL,
    village_code TEXT,
    district_code TEXT,
    password_hash TEXT NOT NULL,
    disabled_at_ms BIGINT,
    locked_until_ms BIGINT NOT NULL DEFAULT 0,
    last_login_ms BIGINT NOT NULL DEFAULT 0,
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);

ALTER TABLE reports ADD COLUMN submitted_by BIGINT REFERENCES users (id);
ALTER TABLE reports ADD COLUMN device_id TEXT;
ALTER TABLE reports ADD COLUMN status TEXT NOT NULL DEFAULT 'received';
ALTER TABLE reports ADD COLUMN updated_at_ms BIGINT NOT NULL DEFAULT 0;
CREATE INDEX reports_by_submitter ON reports (submitted_by, id);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users (id),
    device_id TEXT NOT NULL,
    device_name TEXT NOT NULL,
    client TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    last_seen_ms BIGINT NOT NULL,
    expires_at_ms BIGINT NOT NULL,
    revoked_at_ms BIGINT
);
CREATE INDEX sessions_by_user ON sessions (user_id, created_at_ms);

CREATE TABLE login_failures (
    id BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL,
    client TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX login_failures_by_username ON login_failures (username, at_ms);
CREATE INDEX login_failures_by_client ON login_failures (client, at_ms);

CREATE TABLE reviews (
    seq BIGSERIAL PRIMARY KEY,
    report_id TEXT NOT NULL REFERENCES reports (id),
    submitted_by BIGINT,
    reviewer_id BIGINT NOT NULL REFERENCES users (id),
    reviewer_name TEXT NOT NULL,
    status TEXT,
    comment TEXT,
    at_ms BIGINT NOT NULL
);
CREATE INDEX reviews_by_submitter ON reviews (submitted_by, seq);
CREATE INDEX reviews_by_report ON reviews (report_id, seq);

CREATE TABLE photos (
    sha256 TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    stored_sha256 TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    uploaded_by BIGINT REFERENCES users (id),
    uploaded_at_ms BIGINT NOT NULL
);

CREATE TABLE report_photos (
    report_id TEXT NOT NULL REFERENCES reports (id),
    sha256 TEXT NOT NULL,
    PRIMARY KEY (report_id, sha256)
);
CREATE INDEX report_photos_by_photo ON report_photos (sha256);

CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    at_ms BIGINT NOT NULL,
    actor_id BIGINT,
    actor TEXT,
    action TEXT NOT NULL,
    target TEXT,
    client TEXT,
    detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_by_time ON audit_log (at_ms);

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
