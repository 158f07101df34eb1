-- Form versions an admin published in the Command Center (issue 10). The
-- catalog is the built-in forms shipped with the server plus these rows. A
-- published version is never changed: the primary key refuses a second row
-- for the same form id and version, and the triggers refuse every change
-- and deletion.
-- The PostgreSQL migration of the same number creates the same schema.
CREATE TABLE published_forms (
    form_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    -- The definition as the shared crate serializes it, so its content
    -- hash is the one phones compute.
    definition_json TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    published_by INTEGER REFERENCES users (id),
    -- The admin's username as it was.
    published_by_name TEXT NOT NULL,
    published_at_ms INTEGER NOT NULL,
    PRIMARY KEY (form_id, version)
) STRICT;

CREATE TRIGGER published_forms_no_update BEFORE UPDATE ON published_forms
BEGIN
    SELECT RAISE(ABORT, 'a published form version is never changed');
END;

CREATE TRIGGER published_forms_no_delete BEFORE DELETE ON published_forms
BEGIN
    SELECT RAISE(ABORT, 'a published form version is never changed');
END;
