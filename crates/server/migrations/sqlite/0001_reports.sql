-- Reports as the phones pushed them. The id is the phone's UUIDv7, so a
-- resent report finds its first copy instead of creating a second one.
CREATE TABLE reports (
    id TEXT PRIMARY KEY NOT NULL,
    form_id TEXT NOT NULL,
    form_version INTEGER NOT NULL,
    village_code TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    received_at_ms INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    -- The canonical JSON the content hash was computed over.
    report_json TEXT NOT NULL
) STRICT;

CREATE INDEX reports_by_village ON reports (village_code, created_at_ms);
