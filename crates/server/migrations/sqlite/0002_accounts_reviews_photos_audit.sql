-- Accounts, sessions, reviews, photos and the audit log (issue 4).
-- The PostgreSQL migration of the same number creates the same schema.

CREATE TABLE users (
    id INTEGER PRIMARY KEY NOT NULL,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    -- 'village' (with village_code), 'district' (with district_code) or 'all'.
    scope_kind TEXT NOT NULL,
    village_code TEXT,
    district_code TEXT,
    -- Argon2id in PHC string format; the parameters travel inside it.
    password_hash TEXT NOT NULL,
    disabled_at_ms INTEGER,
    -- Set when five logins failed within 15 minutes.
    locked_until_ms INTEGER NOT NULL DEFAULT 0,
    -- Failures counted towards a lock start after the last good login.
    last_login_ms INTEGER NOT NULL DEFAULT 0,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
) STRICT;

-- Who pushed a report from which device, and where review stands. Reports
-- pushed before accounts existed have no submitter.
ALTER TABLE reports ADD COLUMN submitted_by INTEGER REFERENCES users (id);
ALTER TABLE reports ADD COLUMN device_id TEXT;
ALTER TABLE reports ADD COLUMN status TEXT NOT NULL DEFAULT 'received';
ALTER TABLE reports ADD COLUMN updated_at_ms INTEGER NOT NULL DEFAULT 0;
CREATE INDEX reports_by_submitter ON reports (submitted_by, id);

-- One row per logged-in device. Only the SHA-256 of the token is kept, so a
-- copy of the database cannot be used to log in.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users (id),
    device_id TEXT NOT NULL,
    device_name TEXT NOT NULL,
    client TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    last_seen_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    revoked_at_ms INTEGER
) STRICT;
CREATE INDEX sessions_by_user ON sessions (user_id, created_at_ms);

CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY NOT NULL,
    username TEXT NOT NULL,
    client TEXT NOT NULL,
    at_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX login_failures_by_username ON login_failures (username, at_ms);
CREATE INDEX login_failures_by_client ON login_failures (client, at_ms);

-- Every review action in order. The sequence number is the pull cursor:
-- writers hold the database's single write lock (SQLite) or an advisory
-- lock (PostgreSQL) while adding a row, so numbers become visible in order.
CREATE TABLE reviews (
    seq INTEGER PRIMARY KEY NOT NULL,
    report_id TEXT NOT NULL REFERENCES reports (id),
    submitted_by INTEGER,
    reviewer_id INTEGER NOT NULL REFERENCES users (id),
    reviewer_name TEXT NOT NULL,
    status TEXT,
    comment TEXT,
    at_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX reviews_by_submitter ON reviews (submitted_by, seq);
CREATE INDEX reviews_by_report ON reviews (report_id, seq);

-- Photos by the SHA-256 of the file the phone announced. The stored object
-- has its location data stripped, so its own hash is kept too.
CREATE TABLE photos (
    sha256 TEXT PRIMARY KEY NOT NULL,
    content_type TEXT NOT NULL,
    stored_sha256 TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    uploaded_by INTEGER REFERENCES users (id),
    uploaded_at_ms INTEGER NOT NULL
) STRICT;

-- The photos each report announced; a report is complete when each of them
-- has a row in photos.
CREATE TABLE report_photos (
    report_id TEXT NOT NULL REFERENCES reports (id),
    sha256 TEXT NOT NULL,
    PRIMARY KEY (report_id, sha256)
) STRICT;
CREATE INDEX report_photos_by_photo ON report_photos (sha256);

-- Append-only: the triggers refuse every change and deletion.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms INTEGER NOT NULL,
    actor_id INTEGER,
    actor TEXT,
    action TEXT NOT NULL,
    target TEXT,
    client TEXT,
    detail TEXT NOT NULL DEFAULT '{}'
) STRICT;
CREATE INDEX audit_log_by_time ON audit_log (at_ms);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
