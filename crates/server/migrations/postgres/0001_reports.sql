-- Reports as the phones pushed them. The id is the phone's UUIDv7, so a
-- resent report finds its first copy instead of creating a second one.
CREATE TABLE reports (
    id TEXT PRIMARY KEY NOT NULL,
    form_id TEXT NOT NULL,
    form_version BIGINT NOT NULL,
    village_code TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    received_at_ms BIGINT NOT NULL,
    content_hash TEXT NOT NULL,
    -- The report as stored: as pushed, with its answers as the form validator
    -- cleaned them. content_hash is the hash of the report as pushed.
    report_json TEXT NOT NULL
);

CREATE INDEX reports_by_village ON reports (village_code, created_at_ms);
