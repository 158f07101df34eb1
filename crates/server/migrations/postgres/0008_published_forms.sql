-- Form versions an admin published in the Command Center (issue 10). The
-- SQLite migration of the same number creates the same schema; see the
-- comments there.
CREATE TABLE published_forms (
    form_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    definition_json TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    published_by BIGINT REFERENCES users (id),
    published_by_name TEXT NOT NULL,
    published_at_ms BIGINT NOT NULL,
    PRIMARY KEY (form_id, version)
);

CREATE FUNCTION published_forms_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'a published form version is never changed';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER published_forms_no_update BEFORE UPDATE OR DELETE ON published_forms
    FOR EACH ROW EXECUTE FUNCTION published_forms_refuse_change();
CREATE TRIGGER published_forms_no_truncate BEFORE TRUNCATE ON published_forms
    FOR EACH STATEMENT EXECUTE FUNCTION published_forms_refuse_change();
