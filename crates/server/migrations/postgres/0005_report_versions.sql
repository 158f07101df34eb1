-- Every version of every report (issue 12.4). An edit pushed by the phone
-- (PushItem::edit) adds the next version and never overwrites one; the
-- reports row holds the current (latest) version for lists, pulls and
-- reviews, and its submitted_by stays the report's author. Each version
-- records who pushed it, from which device, and when it arrived.
-- The SQLite migration of the same number creates the same schema.
CREATE TABLE report_versions (
    report_id TEXT NOT NULL REFERENCES reports (id),
    version BIGINT NOT NULL,
    -- The SHA-256 of report_json, always.
    content_hash TEXT NOT NULL,
    report_json TEXT NOT NULL,
    submitted_by BIGINT REFERENCES users (id),
    device_id TEXT,
    received_at_ms BIGINT NOT NULL,
    PRIMARY KEY (report_id, version)
);

ALTER TABLE reports ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
-- The period a report of a periodic form is about, `YYYY-MM` as
-- kabar_shared::form::Period::key spells it; NULL for forms filed on events.
-- A village files one report per form and period: the server checks it
-- inside the writing transaction (not by a unique index, because databases
-- from before this rule may already hold two reports for one month).
ALTER TABLE reports ADD COLUMN period TEXT;
CREATE INDEX reports_by_period ON reports (form_id, village_code, period);

-- Before this migration an edit overwrote the report in place, so what is
-- stored now is all that is left of each report: it becomes version 1.
INSERT INTO report_versions
    (report_id, version, content_hash, report_json, submitted_by, device_id, received_at_ms)
SELECT id, 1, content_hash, report_json, submitted_by, device_id,
       GREATEST(received_at_ms, updated_at_ms)
FROM reports;

-- The monthly population report names its period in its year and month
-- answers (its form's period rule: year_field "tahun", month_field "bulan").
UPDATE reports
SET period = lpad(report_json::jsonb -> 'answers' ->> 'tahun', 4, '0') || '-'
             || (report_json::jsonb -> 'answers' ->> 'bulan')
WHERE form_id = 'laporan-bulanan-kependudukan'
  AND jsonb_typeof(report_json::jsonb -> 'answers' -> 'tahun') = 'number'
  AND jsonb_typeof(report_json::jsonb -> 'answers' -> 'bulan') = 'string';
